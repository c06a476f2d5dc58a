"""The data the webhook service needs, as a small typed interface, and its in-memory version.

`whatsapp_integration.repositories.webhooks.FrappeWebhookRepository` implements it on the
site's database; `MemoryWebhookRepository` (thread-safe) serves the framework-free tests and
benchmarks. Both store an inbound wamid once and a (wamid, status) event once, also when two
workers race with the same redelivered batch.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.senders.factory import DeviceProfile
from whatsapp_integration.core.status import FAILED, QUEUED, apply_event, timestamp_field
from whatsapp_integration.services.repository import StatusEvent


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

	def add_status_event(self, wamid: str, event: StatusEvent) -> StatusResult:
		"""Atomically: add `event` to the history of the message with `wamid` unless an event
		with that status is there, and move its status forward (`core.status.apply_event`)."""
		...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...

	def remove_opt_out(self, number: str) -> None: ...


@dataclass
class OutboundState:
	"""The status fields of an outbound Message Log row (what status events change)."""

	status: str = QUEUED
	events: list[StatusEvent] = field(default_factory=list)
	sent_at: datetime | None = None
	delivered_at: datetime | None = None
	read_at: datetime | None = None
	error_code: int | None = None
	error_title: str | None = None


def apply_status_event(state: OutboundState, event: StatusEvent) -> StatusResult:
	"""Change `state` for `event` (the one definition both repositories share)."""
	new_status = apply_event(state.status, (known.status for known in state.events), event.status)
	if new_status is None:
		return StatusResult.DUPLICATE
	state.events.append(event)
	state.status = new_status
	moment = timestamp_field(event.status)
	if moment and getattr(state, moment) is None:
		setattr(state, moment, event.at)
	if new_status == FAILED:
		state.error_code, state.error_title = event.error_code, event.error_title
	return StatusResult.APPLIED


class MemoryWebhookRepository:
	def __init__(self, devices: list[DeviceProfile] | None = None) -> None:
		self._lock = threading.Lock()
		self._devices = {device.phone_number_id: device for device in devices or []}
		self.inbound: dict[str, InboundRecord] = {}
		self.outbound: dict[str, OutboundState] = {}
		self.contacts: dict[str, ContactLink] = {}
		self.opt_outs: dict[str, tuple[str, str]] = {}

	def add_outbound(self, wamid: str, status: str = QUEUED) -> None:
		with self._lock:
			self.outbound[wamid] = OutboundState(status=status)

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

	def add_status_event(self, wamid: str, event: StatusEvent) -> StatusResult:
		with self._lock:
			state = self.outbound.get(wamid)
			if state is None:
				return StatusResult.UNKNOWN_MESSAGE
			return apply_status_event(state, replace(event))

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		with self._lock:
			self.opt_outs.setdefault(number, (reason, source))

	def remove_opt_out(self, number: str) -> None:
		with self._lock:
			self.opt_outs.pop(number, None)
