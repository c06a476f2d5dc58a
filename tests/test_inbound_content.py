"""Every inbound kind Meta documents lands in the Message Log columns of its row (issue #12):
media (id, MIME, caption, file name, sha256, Pending download), reply context, reactions,
locations, contact cards, button and interactive replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.vocabulary import MediaStatus
from whatsapp_integration.core.webhook import parse_webhook
from whatsapp_integration.core.webhook_records import InboundRecord
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

FIXTURE = Path(__file__).parent / "fixtures" / "webhooks" / "every_message_type.body"
DEVICE = DeviceProfile("Shop", phone_number_id=payloads.PHONE_NUMBER_ID, phone_number="+15557654321")


def stored(*messages: dict[str, Any]) -> dict[str, InboundRecord]:
	"""The rows the webhook service stores for a body holding `messages`."""
	repository = MemoryWebhookRepository([DEVICE])
	body = payloads.envelope([payloads.messages_change(list(messages))])
	WebhookService(repository, WhatsAppConfig()).process(payloads.encode(body))
	return repository.inbound


def one(message: dict[str, Any]) -> InboundRecord:
	(record,) = stored(message).values()
	return record


@pytest.mark.parametrize("kind", ["image", "video", "audio", "document", "sticker"])
def test_media_lands_in_its_columns_and_waits_for_download(kind: str) -> None:
	media = {"id": f"MEDIA-{kind}", "mime_type": "image/webp", "sha256": "c2hhMjU2", "caption": "Look"}
	if kind == "document":
		media["filename"] = "invoice.pdf"
	record = one(payloads.message(f"wamid.M-{kind}", kind, {kind: media}))
	assert record.message_type == kind
	assert (record.media_id, record.media_mime_type, record.media_sha256) == (
		f"MEDIA-{kind}",
		"image/webp",
		"c2hhMjU2",
	)
	assert record.media_caption == "Look"
	assert record.media_filename == ("invoice.pdf" if kind == "document" else None)
	assert record.media_status == MediaStatus.PENDING


def test_media_without_an_id_is_not_queued_for_download() -> None:
	record = one(payloads.message("wamid.M-noid", "image", {"image": {"mime_type": "image/jpeg"}}))
	assert record.media_status is None


def test_text_has_no_media_status() -> None:
	assert one(payloads.text_message("wamid.M-text", "hi")).media_status is None


def test_reply_context_is_the_wamid_answered() -> None:
	message = payloads.text_message(
		"wamid.M-ctx", "yes, that one", context={"from": "15557654321", "id": "wamid.OUT-asked"}
	)
	record = one(message)
	assert record.reply_to_wamid == "wamid.OUT-asked"
	assert record.reaction_to_wamid is None


def test_reaction_keeps_its_target_and_emoji() -> None:
	record = one(
		payloads.message(
			"wamid.M-react", "reaction", {"reaction": {"message_id": "wamid.OUT-1", "emoji": "❤️"}}
		)
	)
	assert (record.reaction_to_wamid, record.reaction_emoji, record.text) == ("wamid.OUT-1", "❤️", "❤️")
	assert record.reply_to_wamid is None


def test_removed_reaction_has_no_emoji() -> None:
	record = one(payloads.message("wamid.M-unreact", "reaction", {"reaction": {"message_id": "wamid.OUT-1"}}))
	assert (record.reaction_to_wamid, record.reaction_emoji) == ("wamid.OUT-1", None)


def test_location_columns() -> None:
	location = {"latitude": 35.6892, "longitude": 51.389, "name": "Azadi Tower", "address": "Tehran"}
	record = one(payloads.message("wamid.M-loc", "location", {"location": location}))
	assert (record.location_latitude, record.location_longitude) == (35.6892, 51.389)
	assert (record.location_name, record.location_address) == ("Azadi Tower", "Tehran")


def test_contact_cards_are_kept_as_json() -> None:
	cards = [
		{
			"name": {"formatted_name": "Jo Doe", "first_name": "Jo", "last_name": "Doe"},
			"phones": [
				{"phone": "+49 176 1", "wa_id": "491761", "type": "CELL"},
				{"phone": "+49 30 2", "type": "WORK"},
			],
			"emails": [{"email": "jo@example.com", "type": "WORK"}],
			"org": {"company": "Doe GmbH", "title": "CEO"},
		},
		{"name": {"first_name": "Ana", "last_name": "Lima"}, "phones": [{"wa_id": "5511"}]},
	]
	record = one(payloads.message("wamid.M-cards", "contacts", {"contacts": cards}))
	assert json.loads(record.shared_contacts) == [
		{
			"name": "Jo Doe",
			"phones": [
				{"phone": "+49 176 1", "wa_id": "491761", "type": "CELL"},
				{"phone": "+49 30 2", "wa_id": None, "type": "WORK"},
			],
			"emails": ["jo@example.com"],
			"organization": "Doe GmbH",
		},
		{
			"name": "Ana Lima",
			"phones": [{"phone": None, "wa_id": "5511", "type": None}],
			"emails": [],
			"organization": None,
		},
	]
	assert record.text == "Jo Doe\nAna Lima"


def test_markup_in_a_contact_card_is_stored_as_sent() -> None:
	cards = [{"name": {"formatted_name": "<img src=x onerror=alert(1)>"}, "phones": []}]
	record = one(payloads.message("wamid.M-xss", "contacts", {"contacts": cards}))
	assert json.loads(record.shared_contacts)[0]["name"] == "<img src=x onerror=alert(1)>"


def test_quick_reply_button_of_a_template() -> None:
	button = {"button": {"payload": "CONFIRM-42", "text": "Confirm order"}}
	record = one(
		payloads.message("wamid.M-btn", "button", button, context={"from": "15557654321", "id": "wamid.TPL"})
	)
	assert (record.reply_id, record.reply_title, record.text) == (
		"CONFIRM-42",
		"Confirm order",
		"Confirm order",
	)
	assert record.reply_to_wamid == "wamid.TPL"


@pytest.mark.parametrize(
	("reply_type", "reply", "expected"),
	[
		("button_reply", {"id": "yes-1", "title": "Yes"}, ("yes-1", "Yes")),
		("list_reply", {"id": "row-2", "title": "Tuesday", "description": "10:00"}, ("row-2", "Tuesday")),
	],
)
def test_interactive_replies(reply_type: str, reply: dict[str, str], expected: tuple[str, str]) -> None:
	interactive = {"interactive": {"type": reply_type, reply_type: reply}}
	record = one(payloads.message(f"wamid.M-{reply_type}", "interactive", interactive))
	assert (record.reply_id, record.reply_title) == expected


def test_every_kind_of_the_fixture_is_stored_with_its_content() -> None:
	batch = parse_webhook(FIXTURE.read_bytes())
	repository = MemoryWebhookRepository([DEVICE])
	WebhookService(repository, WhatsAppConfig()).apply(batch)
	rows = repository.inbound
	assert len(rows) == len(batch.messages)
	assert rows["wamid.T-reaction"].reaction_to_wamid == "wamid.OUT-liked"
	assert rows["wamid.T-location"].location_name == "Office"
	assert json.loads(rows["wamid.T-contacts"].shared_contacts)[0]["phones"][0]["wa_id"] == "491761"
	assert rows["wamid.T-interactive-list"].reply_id == "row-2"
	assert rows["wamid.T-document"].media_filename == "invoice.pdf"
	assert {name for name, row in rows.items() if row.media_status == MediaStatus.PENDING} == {
		"wamid.T-image",
		"wamid.T-video",
		"wamid.T-audio",
		"wamid.T-document",
		"wamid.T-sticker",
	}


def test_each_new_media_message_queues_one_download() -> None:
	queued: list[str] = []
	repository = MemoryWebhookRepository([DEVICE])
	service = WebhookService(repository, WhatsAppConfig(), on_media=queued.append)
	image = payloads.message("wamid.Q-img", "image", {"image": {"id": "MEDIA-Q", "mime_type": "image/png"}})
	text = payloads.text_message("wamid.Q-text", "hello")
	body = payloads.encode(payloads.envelope([payloads.messages_change([image, text])]))
	service.process(body)
	service.process(body)  # Meta's redelivery: stored once, queued once
	assert queued == ["wamid.Q-img"]
