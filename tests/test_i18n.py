"""Core sentences are plain English strings that keep their template and values for translation."""

from __future__ import annotations

import json
from datetime import datetime

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import Text, _, from_data, joined, sentence_of, to_data


def test_a_sentence_is_its_english_text() -> None:
	sentence = _("The message is empty. Write the text to send.")
	assert sentence == "The message is empty. Write the text to send."
	assert isinstance(sentence, str)
	assert sentence.template == sentence


def test_format_fills_the_values_and_keeps_the_template() -> None:
	template = "The message is {length:,} characters long; WhatsApp allows at most {limit:,}."
	sentence = _(template).format(length=5000, limit=4096)
	assert sentence == "The message is 5,000 characters long; WhatsApp allows at most 4,096."
	assert isinstance(sentence, Text)
	assert (sentence.template, sentence.kwargs) == (template, {"length": 5000, "limit": 4096})


def test_positional_values_and_nested_sentences() -> None:
	inner = _("the window closed")
	sentence = _("Not sent: {0} ({1}).").format(inner, 3)
	assert sentence == "Not sent: the window closed (3)."
	assert sentence.args == (inner, 3)
	assert isinstance(sentence.args[0], Text)


def test_an_error_carries_the_sentence() -> None:
	error = InvalidMessage(_("Shorten it by {0} characters.").format(12))
	assert str(error) == "Shorten it by 12 characters."
	assert error.args[0].template == "Shorten it by {0} characters."


def test_joined_sentences_keep_each_sentence() -> None:
	first = _("The body is empty.")
	second = _("Button {position}: {problem}").format(position=2, problem=_("write the text."))
	message = joined([first, second])
	assert message == "The body is empty. Button 2: write the text."
	assert message.args == (first, second)
	assert isinstance(message.args[1].kwargs["problem"], Text)
	assert joined([]) == ""


def test_a_sentence_survives_json_with_its_template_and_values() -> None:
	inner = _("Button {position}'s title").format(position=2)
	sentence = _("{what} has {length} characters; WhatsApp allows at most {limit}. Shorten it.").format(
		what=inner, length=30, limit=20
	)
	back = from_data(json.loads(json.dumps(to_data(sentence))))
	assert back == sentence and isinstance(back, Text)
	assert back.template == sentence.template and back.kwargs["length"] == 30
	assert (
		isinstance(back.kwargs["what"], Text) and back.kwargs["what"].template == "Button {position}'s title"
	)


def test_plain_text_and_values_json_cannot_carry_stay_english() -> None:
	assert to_data("plain") == "plain" and from_data("plain") == "plain"
	sentence = _("Valid until {when}.").format(when=datetime(2026, 1, 2))
	assert to_data(sentence) == "Valid until 2026-01-02 00:00:00."


def test_the_sentence_of_an_error_keeps_its_template() -> None:
	error = InvalidMessage(_("Shorten it by {0} characters.").format(12))
	assert sentence_of(error).template == "Shorten it by {0} characters."
	assert sentence_of(ValueError(3)) == "3" and sentence_of(ValueError()) == ""
