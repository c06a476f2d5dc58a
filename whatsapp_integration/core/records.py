"""The Message Log's records, shared by the services and the repositories that store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from whatsapp_integration.core.errors import SendFailed
from whatsapp_integration.core.status import timestamp_field
from whatsapp_integration.core.vocabulary import Direction, MessageStatus, MessageType


@dataclass
class StatusEvent:
	status: str
	at: datetime
	error_code: int | None = None
	error_title: str | None = None


@dataclass
class MessageRecord:
	"""One row of WhatsApp Message Log."""

	direction: str = Direction.OUTBOUND
	device: str | None = None
	to_number: str | None = None
	from_number: str | None = None
	message_type: str = MessageType.TEXT
	text: str | None = None
	template_name: str | None = None
	template_language: str | None = None
	template_params: list[str] = field(default_factory=list)
	media_link: str | None = None
	media_caption: str | None = None
	media_filename: str | None = None
	media_id: str | None = None
	media_file_url: str | None = None
	# Template components and interactive content beyond the columns above (core.rich_content).
	rich_content: dict[str, Any] | None = None
	status: str = MessageStatus.QUEUED
	wamid: str | None = None
	idempotency_key: str | None = None
	callback_data: str | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_reason: str | None = None
	error_action: str | None = None
	error_subcode: int | None = None
	fbtrace_id: str | None = None
	error_is_transient: bool = False
	attempts: int = 0
	next_attempt_at: datetime | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	requested_by: str | None = None
	conversation: str | None = None  # the WhatsApp Conversation, set when the row is stored
	reply_to_wamid: str | None = None  # the message this one answers (Official devices)
	sent_at: datetime | None = None
	delivered_at: datetime | None = None
	read_at: datetime | None = None
	created_at: datetime | None = None
	events: list[StatusEvent] = field(default_factory=list)
	name: str | None = None


@dataclass(frozen=True)
class SendOutcome:
	"""What one delivery attempt changed on a Message Log row."""

	status: str
	at: datetime
	attempts: int
	wamid: str | None = None
	next_attempt_at: datetime | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_reason: str | None = None
	error_action: str | None = None
	error_subcode: int | None = None
	fbtrace_id: str | None = None
	error_is_transient: bool = False


def meta_details(failure: SendFailed) -> dict[str, Any]:
	"""The `SendOutcome` fields of what Meta said about `failure`, for its support."""
	return {
		"error_subcode": failure.subcode,
		"fbtrace_id": failure.fbtrace_id,
		"error_is_transient": bool(failure.is_transient),
	}


def apply_outcome(record: MessageRecord, outcome: SendOutcome) -> MessageRecord:
	"""`record` as it reads after `outcome` is saved (the one definition repositories share)."""
	record.status = outcome.status
	record.attempts = outcome.attempts
	record.wamid = outcome.wamid or record.wamid
	record.next_attempt_at = outcome.next_attempt_at
	record.error_code = outcome.error_code
	record.error_title = outcome.error_title
	record.error_reason = outcome.error_reason
	record.error_action = outcome.error_action
	record.error_subcode = outcome.error_subcode
	record.fbtrace_id = outcome.fbtrace_id
	record.error_is_transient = outcome.error_is_transient
	stamped = timestamp_field(outcome.status)
	if stamped:
		setattr(record, stamped, outcome.at)
	record.events.append(StatusEvent(outcome.status, outcome.at, outcome.error_code, outcome.error_title))
	return record
