"""The records of the webhook area, shared by the webhook service and the repositories that
store them: inbound Message Log rows, the outbound row state status events change, and the one
rule that applies a status event to it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.status import apply_event, current_attempt, timestamp_field
from whatsapp_integration.core.vocabulary import MessageStatus


@dataclass(frozen=True)
class ContactLink:
	"""The ERP Contact a WhatsApp user is, and the Customer/Lead behind it if any."""

	contact: str
	party_type: str | None = None
	party: str | None = None


@dataclass
class InboundRecord:
	"""One inbound row of WhatsApp Message Log."""

	wamid: str
	device: str
	message_type: str
	received_at: datetime
	from_number: str | None = None
	from_user_id: str | None = None
	to_number: str | None = None
	profile_name: str | None = None
	text: str | None = None
	media_id: str | None = None
	media_mime_type: str | None = None
	media_caption: str | None = None
	media_filename: str | None = None
	media_sha256: str | None = None
	media_status: str | None = None  # MediaStatus.PENDING when there is media to download
	reply_to_wamid: str | None = None
	reply_id: str | None = None
	reply_title: str | None = None
	reaction_to_wamid: str | None = None
	reaction_emoji: str | None = None
	location_latitude: float | None = None
	location_longitude: float | None = None
	location_name: str | None = None
	location_address: str | None = None
	shared_contacts: str | None = None  # JSON: the contact cards (`InboundMessage.shared_contacts`)
	error_code: int | None = None
	error_title: str | None = None
	contact: ContactLink | None = None


class StatusResult(enum.Enum):
	APPLIED = "applied"
	DUPLICATE = "duplicate"  # this status is already in the message's history
	UNKNOWN_MESSAGE = "unknown_message"  # no Message Log row has that wamid (yet)


@dataclass
class OutboundState:
	"""The fields of an outbound Message Log row that status events read and change."""

	status: str = MessageStatus.QUEUED
	events: list[StatusEvent] = field(default_factory=list)
	sent_at: datetime | None = None
	delivered_at: datetime | None = None
	read_at: datetime | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_action: str | None = None
	error_reason: str | None = None
	next_attempt_at: datetime | None = None
	wamid: str | None = None
	attempts: int = 1
	to_number: str | None = None
	idempotency_key: str | None = None
	name: str | None = None


@dataclass(frozen=True)
class StatusChange:
	"""What `add_status_event` did, and the row as it ends up (None for an unknown message)."""

	result: StatusResult
	state: OutboundState | None = None


FailureHandler = Callable[[OutboundState, StatusEvent], None]
"""Decides, under the row lock, what a newly failed message becomes (`WebhookService`)."""


def apply_status_event(
	state: OutboundState, event: StatusEvent, on_failure: FailureHandler | None = None
) -> StatusResult:
	"""Change `state` for `event` (the one definition both repositories share). Only the events
	since the message was last queued count as recorded: a resend is a new message."""
	recorded = current_attempt(known.status for known in state.events)
	new_status = apply_event(state.status, recorded, event.status)
	if new_status is None:
		return StatusResult.DUPLICATE
	state.events.append(event)
	state.status = new_status
	moment = timestamp_field(event.status)
	if moment and getattr(state, moment) is None:
		setattr(state, moment, event.at)
	if new_status == MessageStatus.FAILED:
		state.error_code, state.error_title = event.error_code, event.error_title
		if on_failure:
			on_failure(state, event)
	return StatusResult.APPLIED
