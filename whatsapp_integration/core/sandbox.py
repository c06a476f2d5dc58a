"""Sandbox devices: nothing leaves the site. A send gets a wamid like Meta's answer; its Delivered
and Read statuses and simulated customer replies are built here as the webhook bodies Meta would
POST, so they take the same signed path through the webhook inbox as real events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.phone import digits
from whatsapp_integration.core.vocabulary import MessageStatus

WAMID_PREFIX = "wamid.SANDBOX."
PHONE_NUMBER_ID_PREFIX = "sandbox-"
SANDBOX_WABA_ID = "sandbox"
DEFAULT_PROFILE_NAME = "Sandbox customer"
# Meta's word for the status reported after each of these (Sent -> delivered -> read).
REPORTED_AFTER = {MessageStatus.SENT: "delivered", MessageStatus.DELIVERED: "read"}


def sandbox_phone_number_id(token: str) -> str:
	"""The phone number ID of a Sandbox device (webhook events name their device by it)."""
	return f"{PHONE_NUMBER_ID_PREFIX}{token}"


def sandbox_wamid(token: str) -> str:
	return f"{WAMID_PREFIX}{token}"


@dataclass(frozen=True)
class SandboxDevice:
	phone_number_id: str
	phone_number: str | None = None
	waba_id: str | None = None


@dataclass(frozen=True)
class SandboxMessage:
	"""An outbound message of a Sandbox device still waiting for its next status: `since` is when
	it reached `status` (sent or delivered)."""

	wamid: str
	to_number: str
	status: str
	since: datetime
	device: SandboxDevice
	callback_data: str | None = None


def delay_after(status: str, config: WhatsAppConfig) -> timedelta:
	"""How long after reaching `status` (Sent, Delivered) the next one is reported."""
	if status == MessageStatus.SENT:
		return timedelta(seconds=config.sandbox_delivered_after_seconds)
	return timedelta(seconds=config.sandbox_read_after_seconds)


def status_body(message: SandboxMessage, meta_status: str, timestamp: int) -> dict[str, Any]:
	"""The body Meta POSTs for a status of one message."""
	status: dict[str, Any] = {
		"id": message.wamid,
		"status": meta_status,
		"timestamp": str(timestamp),
		"recipient_id": digits(message.to_number),
		"pricing": {"billable": False, "pricing_model": "PMP", "category": "service"},
	}
	if message.callback_data:
		status["biz_opaque_callback_data"] = message.callback_data
	return _envelope(message.device, {"statuses": [status]})


def reply_body(
	device: SandboxDevice, from_number: str, text: str, wamid: str, timestamp: int, profile_name: str
) -> dict[str, Any]:
	"""The body Meta POSTs when a customer writes `text` to the device."""
	wa_id = digits(from_number)
	value = {
		"contacts": [{"profile": {"name": profile_name}, "wa_id": wa_id}],
		"messages": [
			{"from": wa_id, "id": wamid, "timestamp": str(timestamp), "type": "text", "text": {"body": text}}
		],
	}
	return _envelope(device, value)


def encode(body: dict[str, Any]) -> bytes:
	return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _envelope(device: SandboxDevice, value: dict[str, Any]) -> dict[str, Any]:
	metadata = {
		"display_phone_number": digits(device.phone_number or "") or "0",
		"phone_number_id": device.phone_number_id,
	}
	change = {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
	return {
		"object": "whatsapp_business_account",
		"entry": [{"id": device.waba_id or SANDBOX_WABA_ID, "changes": [change]}],
	}
