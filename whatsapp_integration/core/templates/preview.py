"""The template as WhatsApp shows it: a chat bubble with header, body (example values in place of
the variables), footer and buttons. Every piece of text is escaped before WhatsApp's own
formatting (*bold*, _italic_, ~strike~, ```mono```) turns into tags."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.templates.components import (
	COPY_CODE,
	MEDIA_FORMATS,
	PHONE_NUMBER,
	URL,
	VARIABLE,
	TemplateDraft,
	variables_in,
)

_FORMATS = (
	(re.compile(r"```(.+?)```", re.S), "code"),
	(re.compile(r"\*(\S(?:[^*\n]*?\S)?)\*"), "b"),
	(re.compile(r"(?<![A-Za-z0-9])_(\S(?:[^_\n]*?\S)?)_(?![A-Za-z0-9])"), "i"),
	(re.compile(r"~(\S(?:[^~\n]*?\S)?)~"), "s"),
)
ICONS = {URL: "&#8599;", PHONE_NUMBER: "&#9742;", COPY_CODE: ""}  # the copy glyph is missing in common fonts
MEDIA_LABELS = {"IMAGE": _("Image"), "VIDEO": _("Video"), "DOCUMENT": _("Document")}
COPY_CODE_LABEL = _("Copy offer code")


def render(draft: TemplateDraft, sample_url: str | None = None, translate: Callable[[str], str] = str) -> str:
	"""HTML of the bubble; `sample_url` (a site file URL) shows an image header's sample;
	`translate` puts the preview's own words (media header, copy-code button) in the user's language."""
	parts = ['<div class="wa-preview"><div class="wa-bubble">']
	parts.append(_header(draft, sample_url, translate))
	parts.append(f'<div class="wa-body">{_text(draft.body, draft.body_examples)}</div>')
	if draft.footer:
		parts.append(f'<div class="wa-footer">{escape(draft.footer)}</div>')
	parts.append("</div>")
	parts.extend(_button(button.type, button.text or translate(COPY_CODE_LABEL)) for button in draft.buttons)
	parts.append("</div>")
	return "".join(parts)


def _header(draft: TemplateDraft, sample_url: str | None, translate: Callable[[str], str]) -> str:
	if draft.header_format == "TEXT":
		return f'<div class="wa-header"><b>{_text(draft.header_text, (draft.header_example,))}</b></div>'
	if draft.header_format in MEDIA_FORMATS:
		if draft.header_format == "IMAGE" and sample_url and re.match(r"^/(private/)?files/", sample_url):
			return f'<div class="wa-media"><img src="{escape(sample_url)}" alt=""></div>'
		return f'<div class="wa-media">{escape(translate(MEDIA_LABELS[draft.header_format]))}</div>'
	return ""


def _text(text: str, examples: tuple[str, ...]) -> str:
	"""Escaped text with each variable replaced by its example (kept as {{n}} without one)."""
	values = dict(zip(variables_in(text), examples, strict=False))
	pieces, last = [], 0
	for match in VARIABLE.finditer(text):
		pieces.append(_formatted(text[last : match.start()]))
		value = values.get(match.group(1)) or match.group(0)
		pieces.append(f'<span class="wa-var">{escape(value)}</span>')
		last = match.end()
	pieces.append(_formatted(text[last:]))
	return "".join(pieces).replace("\n", "<br>")


def _formatted(text: str) -> str:
	html = escape(text)
	for pattern, tag in _FORMATS:
		html = pattern.sub(rf"<{tag}>\1</{tag}>", html)
	return html


def _button(kind: str, text: str) -> str:
	label = escape(text)
	icon = ICONS.get(kind, "&#8617;")
	return f'<div class="wa-button">{icon + " " if icon else ""}{label}</div>'
