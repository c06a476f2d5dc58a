"""The data the webhook service needs, as a small typed interface, and its in-memory version.

`whatsapp_integration.repositories.webhooks.FrappeWebhookRepository` implements it on the
site's database; `MemoryWebhookRepository` (thread-safe) serves the framework-free tests and
benchmarks. Both store an inbound wamid once and a (wamid, status) event once, also when two
workers race with the same redelivered batch, and apply a number's stop/start choices in the
order the customer made them (the time of the last applied choice is kept per number).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.campaign.planning import FAILED as RECIPIENT_FAILED
from whatsapp_integration.core.campaign.policy import PAUSED, RUNNING, parse_idempotency_key
from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.status import apply_event, current_attempt, timestamp_field
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.testing.memory_campaign_repository import MemoryCampaignRepository


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
	reply_to_wamid: str | None = None
	error_code: int | None = None
	error_title: str | None = None
	contact: ContactLink | None = None


class StatusResult(enum.Enum):
	APPLIED = "applied"
	DUPLICATE = "duplicate"  # this status is already in the message's history
	UNKNOWN_MESSAGE = "unknown_message"  # no Message Log row has that wamid (yet)


class WebhookRepository(Protocol):
	def device_for_phone_number_id(self, phone_number_id: str) -> DeviceProfile | None:
		"""Our enabled-or-not device with that Meta phone number id, or None."""
		...

	def find_contact(self, number: str | None, user_id: str | None) -> ContactLink | None:
		"""The Contact with that E.164 mobile/phone number (or BSUID), or None."""
		...

	def insert_inbound(self, record: InboundRecord) -> bool:
		"""Store an inbound message; False (nothing stored) when its wamid is already logged."""
		...

	def add_status_event(
		self, wamid: str, event: StatusEvent, on_failure: FailureHandler | None = None
	) -> StatusChange:
		"""Atomically: add `event` to the history of the message with `wamid` unless an event
		with that status is there, and move its status forward (`apply_status_event`)."""
		...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...

	def apply_preference(self, number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
		"""Atomically: opt `number` out (`stop`) or back in, unless a choice made at `at` or later
		was applied already (a redelivery, or an older event arriving late); True if applied."""
		...

	def fail_campaign_recipient(self, key: str, reason: str, code: int | None, at: datetime) -> str | None:
		"""Mark the campaign recipient sent under idempotency `key` Failed with the error (its
		`last_attempt_at` is `at`, so auto-pause counts it); its campaign's name, or None."""
		...

	def pause_campaign(self, campaign: str, reason: str) -> None:
		"""Pause `campaign` with `reason` if it is running."""
		...


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


class MemoryWebhookRepository:
	"""`outbound` holds the logged messages by wamid (a requeued message leaves it: its old wamid
	is no longer its own); `campaigns`, when given, receives the campaign effects."""

	def __init__(
		self, devices: list[DeviceProfile] | None = None, campaigns: MemoryCampaignRepository | None = None
	) -> None:
		self._lock = threading.Lock()
		self._devices = {device.phone_number_id: device for device in devices or []}
		self.campaigns = campaigns
		self.inbound: dict[str, InboundRecord] = {}
		self.outbound: dict[str, OutboundState] = {}
		self.contacts: dict[str, ContactLink] = {}
		self.opt_outs: dict[str, tuple[str, str]] = {}
		self.preferences: dict[str, datetime] = {}

	def add_outbound(self, wamid: str, status: str = MessageStatus.QUEUED, **values: object) -> OutboundState:
		with self._lock:
			self.outbound[wamid] = OutboundState(status=status, wamid=wamid, **values)  # type: ignore[arg-type]
			return self.outbound[wamid]

	def add_contact(self, key: str, link: ContactLink) -> None:
		with self._lock:
			self.contacts[key] = link

	def device_for_phone_number_id(self, phone_number_id: str) -> DeviceProfile | None:
		return self._devices.get(phone_number_id)

	def find_contact(self, number: str | None, user_id: str | None) -> ContactLink | None:
		with self._lock:
			return self.contacts.get(number or "") or self.contacts.get(user_id or "")

	def insert_inbound(self, record: InboundRecord) -> bool:
		with self._lock:
			if record.wamid in self.inbound:
				return False
			self.inbound[record.wamid] = replace(record)
			return True

	def add_status_event(
		self, wamid: str, event: StatusEvent, on_failure: FailureHandler | None = None
	) -> StatusChange:
		with self._lock:
			state = self.outbound.get(wamid)
			if state is None:
				return StatusChange(StatusResult.UNKNOWN_MESSAGE)
			result = apply_status_event(state, replace(event), on_failure)
			if state.wamid != wamid:
				del self.outbound[wamid]
			return StatusChange(result, replace(state, events=list(state.events)))

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		with self._lock:
			self.opt_outs.setdefault(number, (reason, source))

	def apply_preference(self, number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
		with self._lock:
			if number in self.preferences and self.preferences[number] >= at:
				return False
			self.preferences[number] = at
			if stop:
				self.opt_outs.setdefault(number, (reason, source))
			else:
				self.opt_outs.pop(number, None)
			return True

	def fail_campaign_recipient(self, key: str, reason: str, code: int | None, at: datetime) -> str | None:
		parsed = parse_idempotency_key(key)
		if self.campaigns is None or parsed is None:
			return None
		campaign, recipient, run = parsed
		marked = self.campaigns.mark_recipient(
			recipient, campaign, run, state=RECIPIENT_FAILED, at=at, error=reason, code=code
		)
		return campaign if marked else None

	def pause_campaign(self, campaign: str, reason: str) -> None:
		if self.campaigns is not None:
			self.campaigns.update_campaign(campaign, [RUNNING], status=PAUSED, status_reason=reason)
