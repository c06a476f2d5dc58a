"""A campaign, its recipient rows and what an attempt changes on them: the records the campaign
services and the repositories that store them share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from whatsapp_integration.core.campaign.schedule import NONE
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import CampaignStatus, MessageType, RecipientState


@dataclass
class CampaignRecord:
	"""One WhatsApp Campaign. `template_params` are Jinja expressions, one per {{n}}. A campaign
	sends through `device`, or through `devices` when it uses several (`core.campaign.routing`)."""

	name: str
	device: str | None = None
	devices: tuple[str, ...] = ()
	status: str = CampaignStatus.DRAFT
	message_type: str = MessageType.TEXT
	text: str | None = None
	template_name: str | None = None
	template_language: str | None = None
	template_params: tuple[str, ...] = ()
	template_parameter_count: int | None = None
	template_status: str | None = None  # Meta's status of the template (a blocking one refuses starts)
	media_link: str | None = None
	media_file_url: str | None = None  # a File of the site, sent by upload (instead of media_link)
	template_header_format: str | None = None  # the template's header: TEXT, IMAGE, VIDEO, DOCUMENT
	template_header_file: str | None = None  # the File shown in an image, video or document header
	scheduled_start: datetime | None = None
	recurrence: str = NONE
	repeat_until: date | None = None
	run: int = 0
	next_run_at: datetime | None = None
	throughput_cap: float = 0.0
	auto_pause_failure_rate: float = 0.0
	status_reason: str | None = None
	owner: str | None = None


@dataclass
class RecipientRow:
	"""One recipient of a campaign; `number` is E.164 once planned (as typed if invalid)."""

	name: str
	campaign: str
	number: str
	recipient_name: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	context: dict[str, Any] = field(default_factory=dict)
	state: str = RecipientState.PENDING
	skip_reason: str | None = None
	attempts: int = 0
	next_attempt_at: datetime | None = None
	lease_owner: str | None = None
	lease_until: datetime | None = None
	last_attempt_at: datetime | None = None
	last_error: str | None = None
	error_code: int | None = None
	wamid: str | None = None
	message_log: str | None = None
	run: int = 0
	device: str | None = None  # the device routing gave it (multi-device campaigns only)


@dataclass(frozen=True)
class NewRecipient:
	number: str
	recipient_name: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	context: Mapping[str, Any] = field(default_factory=dict)
	state: str = RecipientState.PENDING
	skip_reason: str | None = None


@dataclass(frozen=True)
class RecipientOutcome:
	"""What one attempt (or the lack of one) changed on a recipient row.

	`log` is the Message Log row to store with it (final outcomes only); the repository
	links the recipient to it. `attempted` False (nothing was sent) keeps the row's last
	attempt; a `last_error` is stored all the same (why the row waits)."""

	name: str
	state: str
	attempts: int
	at: datetime
	next_attempt_at: datetime | None = None
	last_error: str | None = None
	error_code: int | None = None
	wamid: str | None = None
	skip_reason: str | None = None
	log: MessageRecord | None = None
	attempted: bool = True


def duplicate_wamid_reason(wamid: str) -> str:
	"""Why a sent message's log row has no wamid: WhatsApp returned one already logged."""
	return _(
		"WhatsApp accepted this message but returned message id {wamid}, which another Message Log "
		"row already has; this row is kept without it, so its delivery statuses cannot be tracked."
	).format(wamid=wamid)
