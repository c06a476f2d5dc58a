"""core.templates: the payloads Meta documents for creating and editing templates, Meta's rules
checked before the request, reading synced components back, the variables senders fill, the
preview, and the template webhooks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from whatsapp_integration.core.templates.components import (
	Button,
	ButtonSlot,
	TemplateDraft,
	create_payload,
	edit_payload,
	template_variables,
	to_components,
)
from whatsapp_integration.core.templates.preview import render
from whatsapp_integration.core.templates.reading import draft_fields
from whatsapp_integration.core.templates.status import blocks_sending, edit_refusal, stop_reason
from whatsapp_integration.core.templates.validation import (
	InvalidTemplate,
	check_draft,
	draft_problems,
	sample_problem,
)
from whatsapp_integration.core.webhook import parse_webhook
from whatsapp_integration.testing import webhook_payloads as payloads

FULL = TemplateDraft(
	name="order_update",
	language="en_US",
	category="UTILITY",
	header_format="TEXT",
	header_text="Order {{1}}",
	header_example="A-1001",
	body="Hi {{1}}, your order {{2}} has shipped.",
	body_examples=("Ada", "A-1001"),
	footer="Reply STOP to opt out",
	buttons=(
		Button("QUICK_REPLY", "Thanks"),
		Button("QUICK_REPLY", "Stop"),
		Button("URL", "Track", url="https://example.com/track/{{1}}", url_example="A-1001"),
		Button("PHONE_NUMBER", "Call us", phone_number="+15550100200"),
		Button("COPY_CODE", example="SAVE10"),
	),
)


def test_create_payload_is_metas_documented_shape() -> None:
	assert create_payload(FULL) == {
		"name": "order_update",
		"language": "en_US",
		"category": "UTILITY",
		"parameter_format": "POSITIONAL",
		"components": [
			{
				"type": "HEADER",
				"format": "TEXT",
				"text": "Order {{1}}",
				"example": {"header_text": ["A-1001"]},
			},
			{
				"type": "BODY",
				"text": "Hi {{1}}, your order {{2}} has shipped.",
				"example": {"body_text": [["Ada", "A-1001"]]},
			},
			{"type": "FOOTER", "text": "Reply STOP to opt out"},
			{
				"type": "BUTTONS",
				"buttons": [
					{"type": "QUICK_REPLY", "text": "Thanks"},
					{"type": "QUICK_REPLY", "text": "Stop"},
					{
						"type": "URL",
						"text": "Track",
						"url": "https://example.com/track/{{1}}",
						"example": ["https://example.com/track/A-1001"],
					},
					{"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
					{"type": "COPY_CODE", "example": "SAVE10"},
				],
			},
		],
	}


def test_named_parameters_use_metas_named_examples() -> None:
	draft = replace(
		FULL,
		parameter_format="NAMED",
		header_text="Order {{order_id}}",
		body="Hi {{first_name}}, order {{order_id}} ships today.",
		body_examples=("Ada", "A-1001"),
		buttons=(),
	)
	check_draft(draft)
	header, body = to_components(draft)[:2]
	assert header["example"] == {
		"header_text_named_params": [{"param_name": "order_id", "example": "A-1001"}]
	}
	assert body["example"] == {
		"body_text_named_params": [
			{"param_name": "first_name", "example": "Ada"},
			{"param_name": "order_id", "example": "A-1001"},
		]
	}
	assert create_payload(draft)["parameter_format"] == "NAMED"


def test_media_header_sends_the_upload_handle() -> None:
	draft = replace(FULL, header_format="DOCUMENT", header_text="", header_handle="4::aGFuZGxl")
	assert to_components(draft)[0] == {
		"type": "HEADER",
		"format": "DOCUMENT",
		"example": {"header_handle": ["4::aGFuZGxl"]},
	}


def test_authentication_template_components() -> None:
	draft = TemplateDraft(
		"login_code",
		"en",
		"AUTHENTICATION",
		add_security_recommendation=True,
		code_expiration_minutes=10,
		buttons=(Button("COPY_CODE", "Copy code"),),
	)
	check_draft(draft)
	assert to_components(draft) == [
		{"type": "BODY", "add_security_recommendation": True},
		{"type": "FOOTER", "code_expiration_minutes": 10},
		{"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}]},
	]


def test_edit_payload_keeps_name_and_language_and_category_of_an_approved_template() -> None:
	assert set(edit_payload(FULL, "APPROVED")) == {"components"}
	assert edit_payload(FULL, "REJECTED")["category"] == "UTILITY"


def test_a_valid_template_has_no_problems() -> None:
	assert draft_problems(FULL) == []


@pytest.mark.parametrize(
	("change", "fragment"),
	[
		({"name": "Order Update"}, "lower-case letters, digits and underscores"),
		({"language": "english"}, "not a language code"),
		({"category": "PROMO"}, "Choose the category"),
		({"body": "x" * 1025}, "1025 characters; at most 1024"),
		({"header_text": "H" * 61}, "61 characters; at most 60"),
		({"header_text": "{{1}} and {{2}}"}, "may hold one variable"),
		({"footer": "F" * 61}, "at most 60"),
		({"footer": "Hi {{1}}"}, "footer cannot hold variables"),
		({"body": "{{1}} your order {{2}} shipped"}, "cannot start or end with a variable"),
		({"body": "Hi {{1}}, order {{2}}"}, "cannot start or end with a variable"),
		({"body": "Hi {{1}}, order {{3}} shipped."}, "found {{1}}, {{3}}, expected {{1}}, {{2}}"),
		({"body": "Hi {{2}}, order {{1}} shipped."}, "numbered in order"),
		({"body": "Hi {{name}}, order {{1}} shipped."}, "uses named variables"),
		({"body": "Hi {{1}, order shipped."}, "unmatched braces"),
		({"body_examples": ("Ada",)}, "2 variable(s) ({{1}}, {{2}}) and 1 example(s)"),
		({"header_example": ""}, "one example per variable"),
		({"body": " "}, "Write the body text"),
		({"header_format": "IMAGE"}, "Attach a sample image"),
	],
)
def test_each_rule_names_what_to_fix(change: dict, fragment: str) -> None:
	with pytest.raises(InvalidTemplate) as refused:
		check_draft(replace(FULL, **change))
	assert fragment in str(refused.value)


def test_named_variable_names_are_checked() -> None:
	draft = replace(
		FULL, parameter_format="NAMED", header_format="", body="Hi {{First Name}} ok", body_examples=("Ada",)
	)
	assert any("{{First Name}} is not a valid name" in problem for problem in draft_problems(draft))


@pytest.mark.parametrize(
	("buttons", "fragment"),
	[
		(tuple(Button("QUICK_REPLY", f"B{i}") for i in range(11)), "at most 10 buttons; it has 11"),
		(tuple(Button("URL", "Go", url="https://a.example") for _ in range(3)), "at most 2 URL button(s)"),
		((Button("PHONE_NUMBER", "A", phone_number="+15550100200"),) * 2, "at most 1 phone number"),
		((Button("COPY_CODE", example="A1"),) * 2, "at most 1 copy code"),
		(
			(
				Button("QUICK_REPLY", "A"),
				Button("URL", "Go", url="https://a.example"),
				Button("QUICK_REPLY", "B"),
			),
			"Quick reply buttons must be next to each other",
		),
		((Button("QUICK_REPLY", "x" * 26),), "Button 1: the text has 26 characters; at most 25"),
		((Button("URL", "Go", url="ftp://a.example"),), "must start with https://"),
		((Button("URL", "Go", url="https://a.example/" + "x" * 2000),), "at most 2000"),
		((Button("URL", "Go", url="https://a.example/{{1}}/x", url_example="1"),), "only at its end"),
		((Button("URL", "Go", url="https://a.example/{{1}}"),), "example value for the URL"),
		((Button("PHONE_NUMBER", "Call", phone_number="call me"),), "country code"),
		((Button("COPY_CODE", example="TOO-LONG-CODE-123"),), "sample code of 1 to 15"),
	],
)
def test_button_rules(buttons: tuple[Button, ...], fragment: str) -> None:
	problems = draft_problems(replace(FULL, buttons=buttons))
	assert any(fragment in problem for problem in problems), problems


def test_every_problem_is_reported_at_once() -> None:
	with pytest.raises(InvalidTemplate) as refused:
		check_draft(replace(FULL, name="Bad Name", footer="F" * 61))
	assert len(refused.value.problems) == 2


def test_sample_rules() -> None:
	assert sample_problem("IMAGE", "image/png", 1000) is None
	assert "image/jpeg or image/png" in sample_problem("IMAGE", "image/gif", 10)
	assert "at most 5,242,880" in sample_problem("IMAGE", "image/jpeg", 6 * 1024 * 1024)
	assert "application/pdf" in sample_problem("DOCUMENT", "text/plain", 10)


def test_synced_components_read_back_into_the_same_template() -> None:
	fields = draft_fields(to_components(FULL))
	assert fields["header_text"] == "Order {{1}}" and fields["header_example"] == "A-1001"
	assert fields["body_examples"] == "Ada\nA-1001"
	assert fields["buttons"][2] == {
		"button_type": "URL",
		"text": "Track",
		"url": "https://example.com/track/{{1}}",
		"url_example": "A-1001",
	}
	assert fields["buttons"][4] == {"button_type": "COPY_CODE", "text": "", "example": "SAVE10"}


def test_variables_for_senders() -> None:
	variables = template_variables(to_components(FULL))
	assert variables.header == ("1",) and variables.body == ("1", "2") and variables.header_format == "TEXT"
	assert variables.buttons[2] == ButtonSlot(2, "URL", ("1",))
	assert variables.buttons[0] == ButtonSlot(0, "QUICK_REPLY", ())
	named = template_variables([{"type": "BODY", "text": "Hi {{first_name}}, {{order}}"}])
	assert named.parameter_format == "NAMED" and named.body == ("first_name", "order")


def test_preview_substitutes_examples_and_escapes_everything() -> None:
	draft = replace(
		FULL,
		header_text="<b>{{1}}</b>",
		header_example="<img src=x onerror=alert(1)>",
		body="Hi *{{1}}*, <script>x</script> order {{2}} _now_.",
		body_examples=('"><svg onload=alert(2)>', "A-1"),
		footer="<i>f</i>",
		buttons=(Button("QUICK_REPLY", "<u>ok</u>"),),
	)
	html = render(draft)
	assert "<script>" not in html and "<img" not in html and "<svg" not in html and "<u>" not in html
	assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;" in html
	assert "<i>now</i>" in html and "A-1" in html
	assert '<img src="/files/s.png"' in render(replace(FULL, header_format="IMAGE"), "/files/s.png")
	assert "<img" not in render(replace(FULL, header_format="IMAGE"), "javascript:alert(1)")


def test_template_webhooks_are_parsed() -> None:
	body = payloads.encode(
		payloads.envelope(
			[
				payloads.template_status_change(
					"1234",
					"order_update",
					"PAUSED",
					reason="NONE",
					other_info={"title": "FIRST_PAUSE", "description": "Low quality: paused for 3 hours"},
				),
				payloads.template_change(
					"message_template_quality_update",
					"1234",
					"order_update",
					previous_quality_score="GREEN",
					new_quality_score="YELLOW",
				),
				payloads.template_change(
					"template_category_update",
					"1234",
					"order_update",
					previous_category="UTILITY",
					new_category="MARKETING",
				),
				payloads.template_status_change("1234", "order_update", "REJECTED", reason="INVALID_FORMAT"),
			]
		)
	)
	status, quality, category, rejected = parse_webhook(body).template_updates
	assert (status.kind, status.template_id, status.status) == ("status", "1234", "PAUSED")
	assert status.reason == "FIRST_PAUSE; Low quality: paused for 3 hours"
	assert (quality.quality, quality.previous) == ("YELLOW", "GREEN")
	assert (category.category, category.previous) == ("MARKETING", "UTILITY")
	assert rejected.reason == "invalid format"


def test_a_template_change_without_a_template_is_skipped() -> None:
	body = payloads.encode(
		payloads.envelope([{"field": "message_template_status_update", "value": {"event": "APPROVED"}}])
	)
	batch = parse_webhook(body)
	assert batch.template_updates == [] and batch.skipped == 1


def test_which_statuses_stop_sending() -> None:
	assert all(blocks_sending(status) for status in ("PAUSED", "DISABLED", "REJECTED", "paused"))
	assert not any(blocks_sending(status) for status in ("APPROVED", "PENDING", None, "DRAFT"))
	assert "3 or 6 hours" in stop_reason("order_update", "en_US", "PAUSED", "FIRST_PAUSE")
	assert edit_refusal("PENDING") and edit_refusal("DISABLED") and edit_refusal("APPROVED") is None


def test_the_mixed_fixture_carries_a_template_approval() -> None:
	raw = (Path(__file__).parent / "fixtures" / "webhooks" / "mixed_batch.body").read_bytes()
	(update,) = parse_webhook(raw).template_updates
	assert (update.name, update.status, update.template_id) == ("order_ready", "APPROVED", "123")


def test_meta_app_id_is_a_number() -> None:
	from whatsapp_integration.core.config import WhatsAppConfig
	from whatsapp_integration.core.errors import ConfigurationError

	assert WhatsAppConfig.from_mapping({"meta_app_id": "1234567890"}).meta_app_id == "1234567890"
	with pytest.raises(ConfigurationError, match="Meta App ID must be the app's number"):
		WhatsAppConfig(meta_app_id="my-app")


def test_the_sync_reads_format_quality_and_rejection() -> None:
	from whatsapp_integration.core.campaign.templates import parse_template

	info = parse_template(
		{
			"id": "9",
			"name": "promo",
			"language": "en",
			"status": "REJECTED",
			"category": "MARKETING",
			"parameter_format": "named",
			"quality_score": {"score": "yellow", "date": 1764000000},
			"rejected_reason": "INVALID_FORMAT",
			"components": [
				{
					"type": "BODY",
					"text": "Hi {{first_name}} ok",
					"example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ada"}]},
				}
			],
		}
	)
	assert (info.parameter_format, info.quality, info.rejected_reason) == (
		"NAMED",
		"YELLOW",
		"INVALID_FORMAT",
	)
	assert draft_fields(info.components, info.parameter_format)["body_examples"] == "Ada"
	assert parse_template({"name": "x", "language": "en", "rejected_reason": "NONE"}).rejected_reason is None


def test_a_synced_media_header_needs_its_sample_attached_again() -> None:
	synced = replace(
		FULL, header_format="IMAGE", header_handle="https://scontent.whatsapp.net/v/t61/sample.jpg"
	)
	assert any("Attach a sample image" in problem for problem in draft_problems(synced))
	assert draft_problems(replace(synced, header_handle="4::aGFuZGxl")) == []


def test_the_preview_words_come_in_the_users_language() -> None:
	words = {"Video": "ویدیو", "Copy offer code": "<کپی کد>"}
	html = render(
		replace(FULL, header_format="VIDEO", buttons=(Button("COPY_CODE", ""),)),
		translate=lambda text: words.get(text, text),
	)
	assert '<div class="wa-media">ویدیو</div>' in html and "&lt;کپی کد&gt;" in html
	assert "Copy offer code" in render(replace(FULL, buttons=(Button("COPY_CODE", ""),)))
