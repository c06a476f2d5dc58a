"""Text from users: plain text keeps its words (only real HTML is converted), and no input makes
the checks slow (length first, no regular expression or parser that backtracks on it).

The guards below are generous alarms against the old quadratic behaviour (minutes on these
inputs), not timings: each input finishes in milliseconds."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from whatsapp_integration.core.errors import InvalidMessage, InvalidPhoneNumber
from whatsapp_integration.core.formatting import html_to_whatsapp, looks_like_html
from whatsapp_integration.core.message import MAX_MARKUP_LENGTH, clean_text
from whatsapp_integration.core.phone import normalize

GUARD_SECONDS = 20
MEGABYTE = 1 << 20
# Inputs that made the old tag pattern or Python's HTMLParser rescan the rest of the text for
# every `<`; each just under the length cap, so they reach the HTML checks.
ADVERSARIAL = {
	"open brackets": "<a" * (MAX_MARKUP_LENGTH // 2),
	"unclosed tags": "<p>" + "<b " * (MAX_MARKUP_LENGTH // 3 - 1),
	"end tag starts": "<p>" + "</" * (MAX_MARKUP_LENGTH // 2 - 2),
	"attribute starts": "<p>" + "<a =" * (MAX_MARKUP_LENGTH // 4 - 1),
	"declarations": "<p>" + "<!" * (MAX_MARKUP_LENGTH // 2 - 2),
}


@contextmanager
def linear_guard() -> Iterator[None]:
	def too_slow(signum: int, frame: object) -> None:
		raise TimeoutError(f"still working after {GUARD_SECONDS} s: the input is not handled in linear time")

	previous = signal.signal(signal.SIGALRM, too_slow)
	signal.alarm(GUARD_SECONDS)
	try:
		yield
	finally:
		signal.alarm(0)
		signal.signal(signal.SIGALRM, previous)


# Plain text keeps its words


@pytest.mark.parametrize(
	"text",
	[
		"Use the code <ABC123>",
		"Reply <YES> to confirm",
		"<3 from us",
		"Your id is <abc>",
		"Tags like <pa> or <h7> or <br-x> are words here",
		"Scores: a<b, c>d, <p",
		"Write to <ana@example.com>",
		"Use &amp; as is",
	],
)
def test_plain_text_with_brackets_arrives_as_written(text: str) -> None:
	assert not looks_like_html(text)
	assert clean_text(text) == text


@pytest.mark.parametrize(
	"markup",
	[
		'<div class="ql-editor read-mode"><p>x</p></div>',
		"line<br>next",
		"line<br/>next",
		"line<br />next",
		"<B>bold</B>",
		"<LI>item",
		'see <a href="https://ex.com">this</a>',
		"<h3>Title</h3>",
		"<ul><li>x</li></ul>",
		"text</p>",
		"<span style='color: red'>x</span>",
		"<blockquote>q</blockquote>",
	],
)
def test_real_tags_make_the_text_html(markup: str) -> None:
	assert looks_like_html(markup)


def test_stray_brackets_inside_html_keep_their_words() -> None:
	assert clean_text("<p>Use the code <ABC123> today</p>") == "Use the code <ABC123> today"
	assert html_to_whatsapp("<p><b>a < b</b> and <x-1></p>") == "*a < b* and <x-1>"
	assert html_to_whatsapp("<p>Dear <Customer>,</p><p>Thanks</p>") == "Dear <Customer>,\n\nThanks"


# Length first, linear checks


def test_the_length_is_checked_before_any_html_work() -> None:
	"""This markup would convert to a short valid text ("hi"), so only a length check that runs
	before the conversion refuses it."""
	markup = "<p>hi</p>" + "<b></b>" * (MAX_MARKUP_LENGTH // 7)
	assert len(markup) > MAX_MARKUP_LENGTH
	with pytest.raises(InvalidMessage, match=f"The message is {len(markup):,} characters long"):
		clean_text(markup)


def test_a_megabyte_of_open_brackets_is_refused_at_once() -> None:
	with linear_guard(), pytest.raises(InvalidMessage, match="1,048,576 characters long"):
		clean_text("<a" * (MEGABYTE // 2))


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_markup_under_the_cap_is_handled_in_linear_time(name: str) -> None:
	text = ADVERSARIAL[name]
	assert len(text) <= MAX_MARKUP_LENGTH
	with linear_guard():
		looks_like_html(text)
		html_to_whatsapp(text)
		with pytest.raises(InvalidMessage):  # text that long (or empty once converted) is refused
			clean_text(text)


def test_a_huge_phone_number_is_refused_before_parsing_without_echoing_it() -> None:
	with linear_guard(), pytest.raises(InvalidPhoneNumber) as refused:
		normalize("1" * MEGABYTE, "IN")
	assert "1,048,576 characters long" in str(refused.value)
	assert len(str(refused.value)) < 200
