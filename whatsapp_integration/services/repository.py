"""The data the services need, as a small typed interface.

`FrappeRepository` (whatsapp_integration.repository) implements it on the site's database;
`MemoryRepository` implements it in memory for framework-free tests and benchmarks. One
contract test suite (whatsapp_integration.tests.repository_contract) runs against both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.status import QUEUED, timestamp_field
from whatsapp_integration.senders.factory import DeviceProfile

OUTBOUND = "Outbound"
INBOUND = "Inbound"


@dataclass
class StatusEvent:
	status: str
	at: datetime
	error_code: int | None = None
	error_title: str | None = None


@dataclass
class MessageRecord:
	"""One row of WhatsApp Message Log."""

	direction: str = OUTBOUND
	device: str | None = None
	to_number: str | None = None
	from_number: str | None = None
	message_type: str = "text"
	text: str | None = None
	template_name: str | None = None
	template_language: str | None = None
	template_params: list[str] = field(default_factory=list)
	media_link: str | None = None
	media_caption: str | None = None
	media_filename: str | None = None
	status: str = QUEUED
	wamid: str | None = None
	idempotency_key: str | None = None
	callback_data: str | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_reason: str | None = None
	error_action: str | None = None
	attempts: int = 0
	next_attempt_at: datetime | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	requested_by: str | None = None
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


class MessageRepository(Protocol):
	def get_device(self, name: str | None) -> DeviceProfile:
		"""The named device, or the default one when `name` is None; raises `DeviceNotFound`."""
		...

	def insert_message(self, record: MessageRecord) -> MessageRecord:
		"""Store a new row and return it with its name; raises `DuplicateKey` when the
		idempotency key (or wamid) is taken, also when two callers race."""
		...

	def get_message(self, name: str) -> MessageRecord: ...

	def find_by_idempotency_key(self, key: str) -> MessageRecord | None: ...

	def find_by_wamid(self, wamid: str) -> MessageRecord | None: ...

	def save_outcome(self, name: str, outcome: SendOutcome) -> None:
		"""Apply a delivery attempt: status, ids, error fields, and one status event."""
		...

	def claim_due_retries(self, now: datetime, lease_until: datetime, limit: int) -> list[MessageRecord]:
		"""Queued rows whose next attempt is due, leased until `lease_until` so that no
		other worker claims the same row."""
		...

	def count_outbound_since(self, device: str, since: datetime) -> int:
		"""Outbound messages of `device` created since `since` that did not fail."""
		...

	def is_opted_out(self, number: str) -> bool: ...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...

	def remove_opt_out(self, number: str) -> None: ...


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
	stamped = timestamp_field(outcome.status)
	if stamped:
		setattr(record, stamped, outcome.at)
	record.events.append(StatusEvent(outcome.status, outcome.at, outcome.error_code, outcome.error_title))
	return record
