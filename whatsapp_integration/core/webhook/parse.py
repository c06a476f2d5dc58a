"""The envelope of a webhook body (entries, changes, fields) read into a `WebhookBatch`.

Total: `parse_webhook` reads any JSON object without raising (unknown fields and shapes are
skipped), so one odd event never hides the others of a batch. Only a body that is not a JSON
object raises `InvalidWebhookPayload`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from whatsapp_integration.core.config import DEFAULT_START_KEYWORDS, DEFAULT_STOP_KEYWORDS
from whatsapp_integration.core.errors import InvalidWebhookPayload, MetaCode
from whatsapp_integration.core.web.inbound import WEB_OBJECT
from whatsapp_integration.core.webhook.events import WebhookBatch
from whatsapp_integration.core.webhook.messages import read_message
from whatsapp_integration.core.webhook.numbers import FIELDS as NUMBER_FIELDS
from whatsapp_integration.core.webhook.numbers import read_number_update
from whatsapp_integration.core.webhook.preferences import detect_keywords, keyword_set, read_preferences
from whatsapp_integration.core.webhook.statuses import opt_out_from_status, read_status
from whatsapp_integration.core.webhook.templates import FIELDS as TEMPLATE_FIELDS
from whatsapp_integration.core.webhook.templates import read_template_update
from whatsapp_integration.core.webhook.values import as_dict, as_list, as_text, dicts


def load_envelope(raw_body: bytes) -> dict[str, Any]:
	"""The decoded body; `InvalidWebhookPayload` unless it is a JSON object."""
	try:
		payload = json.loads(raw_body)
	except (ValueError, RecursionError, TypeError):
		raise InvalidWebhookPayload("The webhook body is not valid JSON.")
	if not isinstance(payload, dict):
		raise InvalidWebhookPayload("The webhook body is not a JSON object.")
	return payload


def parse_webhook(
	raw_body: bytes,
	*,
	stop_keywords: Iterable[str] = DEFAULT_STOP_KEYWORDS,
	start_keywords: Iterable[str] = DEFAULT_START_KEYWORDS,
) -> WebhookBatch:
	"""Every event of every change of every entry in `raw_body`, in order."""
	payload = load_envelope(raw_body)
	batch = WebhookBatch()
	web = payload.get("object") == WEB_OBJECT
	for entry in dicts(payload.get("entry")):
		for change in dicts(entry.get("changes")):
			_read_change(change, batch, as_text(entry.get("id")), web)
	detect_keywords(batch, keyword_set(stop_keywords), keyword_set(start_keywords))
	return batch


def _read_change(change: dict[str, Any], batch: WebhookBatch, entry_id: str | None, web: bool) -> None:
	"""One change of an entry; `entry_id` is the WhatsApp Business Account's id; `web`: the body
	holds messages a WhatsApp Web session read (`core.web.inbound`)."""
	value = as_dict(change.get("value"))
	kind = change.get("field")
	if kind == "messages":
		_read_messages_value(value, batch, web)
	elif kind == "user_preferences":
		read_preferences(value, batch)
	elif kind in NUMBER_FIELDS:
		_append_or_skip(batch.number_updates, read_number_update(kind, value, entry_id), batch)
	elif kind in TEMPLATE_FIELDS:
		_append_or_skip(batch.template_updates, read_template_update(kind, value), batch)
	else:
		batch.ignored_fields.append(as_text(kind) or "(none)")


def _read_messages_value(value: dict[str, Any], batch: WebhookBatch, web: bool = False) -> None:
	metadata = as_dict(value.get("metadata"))
	number_id = as_text(metadata.get("phone_number_id"))
	display = as_text(metadata.get("display_phone_number"))
	device = as_text(metadata.get("device")) if web else None
	contacts = list(dicts(value.get("contacts")))
	for raw in as_list(value.get("messages")):
		message = read_message(as_dict(raw), number_id, display, contacts)
		_append_or_skip(
			batch.messages, replace(message, device=device) if message and device else message, batch
		)
	for raw in as_list(value.get("statuses")):
		status = read_status(as_dict(raw), number_id)
		_append_or_skip(batch.statuses, status, batch)
		if status and status.error_code == MetaCode.USER_STOPPED_MARKETING:
			batch.opt_outs.append(opt_out_from_status(status))


def _append_or_skip(target: list, event: Any, batch: WebhookBatch) -> None:
	if event is None:
		batch.skipped += 1
	else:
		target.append(event)
