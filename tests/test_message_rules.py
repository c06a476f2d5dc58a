"""core/message.py and core/formatting.py: the rules a message passes before it is sent."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.errors import InvalidMessage, WhatsAppError
from whatsapp_integration.core.formatting import html_to_whatsapp, looks_like_html
from whatsapp_integration.core.message import (
	MAX_TEXT_LENGTH,
	Media,
	Template,
	check_media,
	check_message_type,
	check_template,
	clean_text,
)
from whatsapp_integration.core.vocabulary import MessageType


def invalid(call: object, *args: object) -> str:
	with pytest.raises(InvalidMessage) as caught:
		call(*args)  # type: ignore[operator]
	assert isinstance(caught.value, WhatsAppError)
	return str(caught.value)


class TestText:
	@pytest.mark.parametrize("text", [None, "", "   ", "\n\t\n", "<p><br></p>", "<p>  </p><p></p>"])
	def test_empty_text_is_refused(self, text: str | None) -> None:
		assert invalid(clean_text, text) == "The message is empty. Write the text to send."

	def test_plain_text_passes_trimmed_with_windows_line_ends_normalised(self) -> None:
		assert clean_text("  Hello\r\nWorld \t ") == "Hello\nWorld"

	def test_tabs_newlines_and_emoji_are_allowed(self) -> None:
		text = "Col1\tCol2\nRow 🙂 ✅ नमस्ते سلام"
		assert clean_text(text) == text

	def test_text_of_exactly_the_limit_passes(self) -> None:
		assert len(clean_text("x" * MAX_TEXT_LENGTH)) == MAX_TEXT_LENGTH

	def test_text_over_the_limit_gives_the_exact_count(self) -> None:
		message = invalid(clean_text, "x" * 4100)
		assert "4,100 characters" in message
		assert "at most 4,096" in message
		assert "Shorten it by 4 characters" in message

	def test_length_is_counted_after_html_conversion(self) -> None:
		markup = "<p>" + "y" * MAX_TEXT_LENGTH + "</p>"
		assert clean_text(markup) == "y" * MAX_TEXT_LENGTH
		assert "4,097 characters" in invalid(clean_text, "<p>" + "y" * 4097 + "</p>")

	@pytest.mark.parametrize(
		("text", "code", "position"),
		[
			("a\x00b", "U+0000", 2),
			("ring\x07", "U+0007", 5),
			("\x1b[31mred", "U+001B", 1),
			("del\x7f", "U+007F", 4),
			("next\x85line", "U+0085", 5),
			("form\x0cfeed", "U+000C", 5),
		],
	)
	def test_control_characters_are_named_with_their_position(
		self, text: str, code: str, position: int
	) -> None:
		message = invalid(clean_text, text)
		assert code in message
		assert f"at position {position}." in message
		assert "Remove it" in message

	def test_blocked_phrases_match_case_insensitively_and_are_named(self) -> None:
		message = invalid(clean_text, "Get FREE Money now", ("free money", "casino"))
		assert "'free money'" in message
		assert "WhatsApp Integration Settings" in message

	def test_text_without_blocked_phrases_passes(self) -> None:
		assert clean_text("Your invoice is ready", ("free money",)) == "Your invoice is ready"

	def test_blocked_phrases_are_checked_after_html_conversion(self) -> None:
		assert "'free money'" in invalid(clean_text, "<p>FREE&nbsp;money</p>", ("free money",))


class TestMessageType:
	@pytest.mark.parametrize("message_type", list(MessageType))
	def test_known_types_pass(self, message_type: str) -> None:
		assert check_message_type(message_type) == message_type

	@pytest.mark.parametrize("message_type", ["sms", "", "Text", "location"])
	def test_unknown_type_lists_the_known_ones(self, message_type: str) -> None:
		message = invalid(check_message_type, message_type)
		assert f"{message_type!r} is not a message type" in message
		assert "text, template, image, document" in message


class TestTemplate:
	@pytest.mark.parametrize(
		"template",
		[
			Template("order_update"),
			Template("order_update_2", "en"),
			Template("hello_world", "pt_BR", ("Ana", "R$ 10,00")),
			Template("x", "fil", ("a",)),
		],
	)
	def test_valid_templates_pass(self, template: Template) -> None:
		assert check_template(template) is template

	@pytest.mark.parametrize("template", [None, Template("")])
	def test_missing_template_asks_to_choose_one(self, template: Template | None) -> None:
		assert invalid(check_template, template) == "Choose the template to send."

	@pytest.mark.parametrize("name", ["Order Update", "order-update", "ORDER", "order update"])
	def test_bad_template_names_explain_meta_naming(self, name: str) -> None:
		message = invalid(check_template, Template(name))
		assert f"{name!r} is not a template name" in message
		assert "lowercase letters, digits and _" in message

	@pytest.mark.parametrize("language", ["", "english", "EN", "en-US", "en_us"])
	def test_bad_language_codes_show_an_example(self, language: str) -> None:
		message = invalid(check_template, Template("order_update", language))
		assert f"{language!r} is not a language code like en or en_US" in message

	@pytest.mark.parametrize(
		("parameters", "position"), [(("",), 1), (("Ana", "  "), 2), (("a", "b", ""), 3)]
	)
	def test_empty_parameters_are_refused_by_position(
		self, parameters: tuple[str, ...], position: int
	) -> None:
		message = invalid(check_template, Template("order_update", "en", parameters))
		assert message == f"Template parameter {{{{{position}}}}} is empty; WhatsApp rejects empty values."

	def test_non_text_parameter_is_refused(self) -> None:
		template = Template("order_update", "en", ("Ana", None))  # type: ignore[arg-type]
		assert "{{2}} is empty" in invalid(check_template, template)

	def test_overlong_parameter_is_refused(self) -> None:
		message = invalid(check_template, Template("order_update", "en", ("x" * 1025,)))
		assert "{{1}} is longer than 1,024 characters" in message

	def test_control_character_in_a_parameter_is_named(self) -> None:
		message = invalid(check_template, Template("order_update", "en", ("ok", "bad\x00")))
		assert message.startswith("Template parameter {{2}} contains an invisible control character (U+0000)")


class TestMedia:
	@pytest.mark.parametrize("kind", MessageType.media())
	def test_every_media_kind_with_a_public_link_passes(self, kind: str) -> None:
		media = Media(kind, "https://files.example.com/a.bin", caption="See this")
		assert check_media(media) is media

	def test_unknown_kind_lists_the_known_ones(self) -> None:
		message = invalid(check_media, Media("gif", "https://x.example/a.gif"))
		assert message == "'gif' is not a media type; use one of image, document, video, audio, sticker."

	def test_missing_media_is_refused(self) -> None:
		assert "None is not a media type" in invalid(check_media, None)

	@pytest.mark.parametrize(
		"link", ["files/a.pdf", "ftp://example.com/a.pdf", "https://", "javascript:alert(1)"]
	)
	def test_links_must_be_public_http_urls(self, link: str) -> None:
		assert invalid(check_media, Media("document", link)) == (
			f"The media link {link!r} must be a public http(s) URL."
		)

	def test_caption_over_1024_characters_is_refused(self) -> None:
		media = Media("image", "https://x.example/a.png", caption="c" * 1025)
		assert "caption is longer than 1,024 characters" in invalid(check_media, media)


class TestDeskHtml:
	@pytest.mark.parametrize(
		("markup", "expected"),
		[
			("<p>Hello <strong>World</strong></p>", "Hello *World*"),
			(
				"<p><b>a</b> <em>b</em> <i>c</i> <s>d</s> <strike>e</strike> <del>f</del></p>",
				"*a* _b_ _c_ ~d~ ~e~ ~f~",
			),
			("<p><code>x = 1</code></p>", "```x = 1```"),
			("<p><strong><em>both</em></strong></p>", "*_both_*"),
			("<p><em>Dear <strong>Ana</strong>,</em></p>", "_Dear *Ana*,_"),
		],
	)
	def test_inline_marks_become_whatsapp_formatting(self, markup: str, expected: str) -> None:
		assert html_to_whatsapp(markup) == expected

	@pytest.mark.parametrize(
		("markup", "expected"),
		[
			("<p><strong>Hello </strong>world</p>", "*Hello* world"),
			("<p>Hello<em> world</em></p>", "Hello _world_"),
			("<p>x<b></b>y</p>", "xy"),
			("<p>x<b> </b>y</p>", "x y"),
		],
	)
	def test_marks_hug_their_words_so_whatsapp_renders_them(self, markup: str, expected: str) -> None:
		"""WhatsApp ignores `*Hello *`: the desk editor's trailing spaces move outside the marks."""
		assert html_to_whatsapp(markup) == expected

	def test_paragraphs_and_line_breaks(self) -> None:
		markup = "<p>Line 1<br>Line 2<br/>Line 3</p>\n<p>Next paragraph</p><div>A div</div><h2>Heading</h2>"
		assert html_to_whatsapp(markup) == "Line 1\nLine 2\nLine 3\n\nNext paragraph\n\nA div\n\nHeading"

	def test_empty_paragraphs_collapse_to_one_blank_line(self) -> None:
		assert html_to_whatsapp("<p>a</p><p><br></p><p><br></p><p><br></p><p>b</p>") == "a\n\nb"

	def test_bullet_and_numbered_lists(self) -> None:
		markup = "<p>Items:</p><ul><li>Pen</li><li><b>Ink</b></li></ul><ol><li>First</li><li>Second</li></ol>"
		assert html_to_whatsapp(markup) == "Items:\n\n• Pen\n• *Ink*\n\n1. First\n2. Second"

	def test_nested_list_keeps_items_in_order_and_numbering(self) -> None:
		text = html_to_whatsapp("<ol><li>a<ul><li>x</li><li>y</li></ul></li><li>b</li></ol>")
		lines = [line for line in text.split("\n") if line]
		assert lines == ["1. a", "• x", "• y", "2. b"]

	def test_entities_are_decoded(self) -> None:
		markup = "<p>Tom &amp; Jerry &lt;3 &quot;q&quot; &#39;s &euro;5&nbsp;only</p>"
		assert html_to_whatsapp(markup) == 'Tom & Jerry <3 "q" \'s €5 only'

	def test_links_keep_their_address_but_not_scripts(self) -> None:
		assert html_to_whatsapp('<p>See <a href="https://ex.com/i/1">the invoice</a></p>') == (
			"See the invoice (https://ex.com/i/1)"
		)
		assert html_to_whatsapp('<p><a href="javascript:alert(1)">click</a></p>') == "click"

	def test_scripts_and_styles_are_dropped(self) -> None:
		assert html_to_whatsapp("<style>p{color:red}</style><script>alert(1)</script><p>safe</p>") == "safe"

	def test_desk_editor_wrapper_and_whitespace(self) -> None:
		markup = '<div class="ql-editor read-mode"><p>  many    spaces\n here </p></div>'
		assert html_to_whatsapp(markup) == "many spaces here"

	def test_a_whole_desk_message(self) -> None:
		markup = (
			'<div class="ql-editor read-mode"><p>Dear <strong>Customer</strong>,</p>'
			"<p>Your invoice <em>INV-0001</em> of <strong>₹ 1,200</strong> is ready.</p>"
			'<ul><li>Due: <u>today</u></li><li>Pay at <a href="https://pay.example/1">our portal</a></li></ul>'
			"<p>Thanks &amp; regards</p></div>"
		)
		assert html_to_whatsapp(markup) == (
			"Dear *Customer*,\n\nYour invoice _INV-0001_ of *₹ 1,200* is ready.\n\n"
			"• Due: today\n• Pay at our portal (https://pay.example/1)\n\nThanks & regards"
		)

	def test_clean_text_converts_html_and_never_sends_tags(self) -> None:
		body = clean_text("<p>Hi <b>Ana</b></p><ul><li>one</li></ul>")
		assert body == "Hi *Ana*\n\n• one"
		assert "<" not in body

	@pytest.mark.parametrize("text", ["a < b and c > d", "5 <b", "x<3", "if a<b: pass", "price < 5 > 3"])
	def test_plain_text_with_angle_brackets_is_kept(self, text: str) -> None:
		assert clean_text(text) == text

	@pytest.mark.parametrize("markup", ["<p>x</p>", "<br>", "<B>x</B>", "< p >x</p>", '<a href="x">y</a>'])
	def test_html_is_recognised(self, markup: str) -> None:
		assert looks_like_html(markup)
