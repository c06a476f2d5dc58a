"""Builders of Meta webhook bodies, shaped as Meta documents them (tests and benchmarks)."""

from __future__ import annotations

import json
from typing import Any

from whatsapp_integration.core.webhook import sign

PHONE_NUMBER_ID = "300400500600700"
DISPLAY_NUMBER = "15557654321"
WABA_ID = "900800700600500"


def text_message(
	wamid: str, text: str, wa_id: str | None = "4917600000001", user_id: str | None = None, **extra: Any
) -> dict[str, Any]:
	return message(wamid, "text", {"text": {"body": text}}, wa_id=wa_id, user_id=user_id, **extra)


def message(
	wamid: str,
	kind: str,
	content: dict[str, Any],
	*,
	wa_id: str | None = "4917600000001",
	user_id: str | None = None,
	timestamp: str = "1764000000",
	**extra: Any,
) -> dict[str, Any]:
	body: dict[str, Any] = {"id": wamid, "timestamp": timestamp, "type": kind, **content, **extra}
	if wa_id:
		body["from"] = wa_id
	if user_id:
		body["from_user_id"] = user_id
	return body


def status(
	wamid: str,
	state: str,
	timestamp: int = 1764000100,
	recipient: str | None = "4917600000009",
	errors: list[dict[str, Any]] | None = None,
	**extra: Any,
) -> dict[str, Any]:
	body: dict[str, Any] = {"id": wamid, "status": state, "timestamp": str(timestamp), **extra}
	if recipient:
		body["recipient_id"] = recipient
	if errors:
		body["errors"] = errors
	return body


def contact(wa_id: str | None, name: str, user_id: str | None = None) -> dict[str, Any]:
	entry: dict[str, Any] = {"profile": {"name": name}}
	if wa_id:
		entry["wa_id"] = wa_id
	if user_id:
		entry["user_id"] = user_id
	return entry


def messages_change(
	messages: list[dict[str, Any]] | None = None,
	statuses: list[dict[str, Any]] | None = None,
	contacts: list[dict[str, Any]] | None = None,
	phone_number_id: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
	value: dict[str, Any] = {"messaging_product": "whatsapp", "metadata": _metadata(phone_number_id)}
	for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses)):
		if items is not None:
			value[key] = items
	return {"field": "messages", "value": value}


def preferences_change(
	wa_id: str, choice: str = "stop", phone_number_id: str = PHONE_NUMBER_ID
) -> dict[str, Any]:
	preference = {
		"wa_id": wa_id,
		"detail": f"User requested to {choice} marketing messages",
		"category": "marketing_messages",
		"value": choice,
		"timestamp": 1764000200,
	}
	value = {
		"messaging_product": "whatsapp",
		"metadata": _metadata(phone_number_id),
		"user_preferences": [preference],
	}
	return {"field": "user_preferences", "value": value}


def envelope(*entries: list[dict[str, Any]]) -> dict[str, Any]:
	"""A body with one entry per list of changes."""
	return {
		"object": "whatsapp_business_account",
		"entry": [{"id": WABA_ID, "changes": changes} for changes in entries],
	}


def encode(payload: dict[str, Any]) -> bytes:
	return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, str]:
	"""The raw body and its X-Hub-Signature-256 header."""
	raw = encode(payload)
	return raw, sign(raw, app_secret)


def _metadata(phone_number_id: str) -> dict[str, str]:
	return {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": phone_number_id}


def template_change(
	field: str, template_id: str, name: str, language: str = "en_US", **value: Any
) -> dict[str, Any]:
	"""A change of one of Meta's template fields (`message_template_status_update`,
	`message_template_quality_update`, `template_category_update`), `value` as Meta names it."""
	base = {
		"message_template_id": int(template_id),
		"message_template_name": name,
		"message_template_language": language,
	}
	return {"field": field, "value": {**base, **value}}


def template_status_change(
	template_id: str, name: str, event: str, language: str = "en_US", **extra: Any
) -> dict[str, Any]:
	return template_change(
		"message_template_status_update",
		template_id,
		name,
		language,
		event=event,
		reason=extra.pop("reason", "NONE"),
		**extra,
	)
