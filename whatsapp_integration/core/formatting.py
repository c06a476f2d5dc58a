"""Desk text editors produce HTML; WhatsApp wants `*bold*`, `_italic_`, `~strike~` and plain lines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "s": "~", "strike": "~", "del": "~", "code": "```"}
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"})
_SKIPPED = frozenset({"script", "style", "head", "title"})
# Tags the desk editor writes. Text is HTML only when it holds one of them, written as a tag:
# the name, then nothing or whitespace (or `/`) and attributes, then `>`; `<ABC123>` is text.
_HTML_TAGS = "|".join(
	sorted({*_MARKS, *_BLOCKS, "a", "br", "li", "ol", "span", "u", "ul"}, key=len, reverse=True)
)
_PARSED_TAGS = "|".join((_HTML_TAGS, *_SKIPPED))
# `[^<>]*` stops at the next bracket, so each `<` is looked at up to the next one: linear time.
_TAG_END = r"(?:[\s/][^<>]*)?>"
_REAL_TAG = re.compile(rf"</?(?:{_HTML_TAGS}){_TAG_END}", re.IGNORECASE)
_STRAY_BRACKET = re.compile(rf"<(?!/?(?:{_PARSED_TAGS}){_TAG_END})", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
	"""True for desk-editor HTML and text holding real tags; `a < b` and `<ABC123>` are text."""
	return bool(_REAL_TAG.search(text))


def html_to_whatsapp(markup: str) -> str:
	"""Convert desk HTML to WhatsApp's formatting; unknown tags keep only their text.

	Every `<` that opens no tag of ours is escaped first, so the parser sees text and whole
	tags only (Python's HTMLParser rescans the rest of the input for each stray `<`)."""
	converter = _WhatsAppFormatter()
	converter.feed(_STRAY_BRACKET.sub("&lt;", markup))
	converter.close()
	return converter.result()


class _WhatsAppFormatter(HTMLParser):
	def __init__(self) -> None:
		super().__init__(convert_charrefs=True)
		self._parts: list[str] = []
		self._lists: list[list[int]] = []  # per open list: [is_ordered, next_number]
		self._skip_depth = 0
		self._links: list[str | None] = []
		self._open_marks: list[int] = []  # index in _parts of each open mark

	def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
		if tag in _SKIPPED:
			self._skip_depth += 1
		elif tag in _MARKS:
			self._open_marks.append(len(self._parts))
			self._parts.append(_MARKS[tag])
		elif tag == "br":
			self._parts.append("\n")
		elif tag in ("ul", "ol"):
			self._lists.append([tag == "ol", 1])
		elif tag == "li":
			self._start_list_item()
		elif tag == "a":
			self._links.append(dict(attrs).get("href"))
		elif tag in _BLOCKS:
			self._break_paragraph()

	def handle_endtag(self, tag: str) -> None:
		if tag in _SKIPPED:
			self._skip_depth = max(0, self._skip_depth - 1)
		elif tag in _MARKS and self._open_marks:
			self._close_mark(self._open_marks.pop())
		elif tag in ("ul", "ol") and self._lists:
			self._lists.pop()
			self._break_paragraph()
		elif tag == "a" and self._links:
			self._close_link(self._links.pop())
		elif tag in _BLOCKS:
			self._break_paragraph()

	def handle_data(self, data: str) -> None:
		if not self._skip_depth:
			self._parts.append(re.sub(r"\s+", " ", data))

	def result(self) -> str:
		text = "".join(self._parts).replace("\xa0", " ")
		lines = [line.strip() for line in text.split("\n")]
		return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

	def _start_list_item(self) -> None:
		self._parts.append("\n")
		if not self._lists:
			self._parts.append("• ")
			return
		ordered, number = self._lists[-1]
		self._parts.append(f"{number}. " if ordered else "• ")
		self._lists[-1][1] = number + 1

	def _close_mark(self, start: int) -> None:
		"""Make the mark hug its words: WhatsApp ignores `*Hello *` (desk editors leave such
		spaces) and shows an empty `**` literally."""
		inner = "".join(self._parts[start + 1 :])
		words = inner.strip()
		if not words:
			self._parts[start:] = [inner]
			return
		leading = inner[: len(inner) - len(inner.lstrip())]
		trailing = inner[len(inner.rstrip()) :]
		mark = self._parts[start]
		self._parts[start:] = [leading, mark, words, mark, trailing]

	def _break_paragraph(self) -> None:
		self._parts.append("\n\n")

	def _close_link(self, href: str | None) -> None:
		if href and href.startswith(("http://", "https://", "mailto:", "tel:")):
			self._parts.append(f" ({href})")
