"""An in-memory MessageRepository: thread-safe, for framework-free tests and benchmarks."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
from collections.abc import Callable
from datetime import datetime

from whatsapp_integration.core.errors import DeviceNotFound, DuplicateKey
from whatsapp_integration.core.records import MessageRecord, SendOutcome, apply_outcome
from whatsapp_integration.core.vocabulary import Direction, MessageStatus
from whatsapp_integration.core.window import latest_inbound
from whatsapp_integration.senders.factory import DeviceProfile


class MemoryRepository:
	def __init__(
		self,
		devices: list[DeviceProfile] | None = None,
		default_device: str | None = None,
		*,
		everyone_wrote_at: Callable[[], datetime] | None = None,
	) -> None:
		"""`everyone_wrote_at`: every customer also wrote at the time it returns (`clock.now`: their
		24 h window is always open), for tests and benchmarks of rules other than the window."""
		self._lock = threading.RLock()
		self._everyone_wrote_at = everyone_wrote_at
		self._devices = {device.name: device for device in devices or []}
		self._default = default_device or next(iter(self._devices), None)
		self._messages: dict[str, MessageRecord] = {}
		self._by_key: dict[str, str] = {}
		self._by_wamid: dict[str, str] = {}
		self._opt_outs: dict[str, tuple[str, str]] = {}
		self._inbound: list[tuple[str, str | None, str | None, datetime]] = []
		self.window_reads: list[tuple[str, str]] = []  # (device, number) of each last_inbound_at
		self._counter = itertools.count(1)

	def add_device(self, device: DeviceProfile, *, default: bool = False) -> None:
		with self._lock:
			self._devices[device.name] = device
			if default or self._default is None:
				self._default = device.name

	def get_device(self, name: str | None) -> DeviceProfile:
		with self._lock:
			wanted = name or self._default
			if wanted is None:
				raise DeviceNotFound("No default WhatsApp Device is set. Mark one device as default.")
			if wanted not in self._devices:
				raise DeviceNotFound(f"WhatsApp Device {wanted!r} does not exist.")
			return self._devices[wanted]

	def insert_message(self, record: MessageRecord) -> MessageRecord:
		with self._lock:
			if record.idempotency_key and record.idempotency_key in self._by_key:
				raise DuplicateKey(f"Idempotency key {record.idempotency_key!r} is already used.")
			if record.wamid and record.wamid in self._by_wamid:
				raise DuplicateKey(f"WhatsApp message id {record.wamid!r} is already logged.")
			stored = _clone(record)
			stored.name = f"WAMSG-{next(self._counter):07d}"
			self._messages[stored.name] = stored
			if stored.idempotency_key:
				self._by_key[stored.idempotency_key] = stored.name
			if stored.wamid:
				self._by_wamid[stored.wamid] = stored.name
			return _clone(stored)

	def get_message(self, name: str) -> MessageRecord:
		with self._lock:
			if name not in self._messages:
				raise LookupError(f"WhatsApp Message Log {name!r} does not exist.")
			return _clone(self._messages[name])

	def find_by_idempotency_key(self, key: str) -> MessageRecord | None:
		with self._lock:
			name = self._by_key.get(key)
			return self.get_message(name) if name else None

	def find_by_wamid(self, wamid: str) -> MessageRecord | None:
		with self._lock:
			name = self._by_wamid.get(wamid)
			return self.get_message(name) if name else None

	def records(self) -> list[MessageRecord]:
		"""Every logged message, oldest first (copies)."""
		with self._lock:
			return [_clone(record) for record in self._messages.values()]

	def save_outcome(self, name: str, outcome: SendOutcome) -> None:
		with self._lock:
			record = self._messages[name]
			if outcome.wamid and record.wamid != outcome.wamid:
				if outcome.wamid in self._by_wamid:
					raise DuplicateKey(f"WhatsApp message id {outcome.wamid!r} is already logged.")
				self._by_wamid[outcome.wamid] = name
				record.wamid = outcome.wamid
			apply_outcome(record, outcome)

	def claim_due_retries(self, now: datetime, lease_until: datetime, limit: int) -> list[MessageRecord]:
		with self._lock:
			due = [
				record
				for record in self._messages.values()
				if record.status == MessageStatus.QUEUED
				and record.next_attempt_at
				and record.next_attempt_at <= now
			]
			due.sort(key=lambda record: record.next_attempt_at)
			for record in due[:limit]:
				record.next_attempt_at = lease_until
			return [_clone(record) for record in due[:limit]]

	def count_outbound_since(self, device: str, since: datetime) -> int:
		with self._lock:
			return sum(
				1
				for record in self._messages.values()
				if record.device == device
				and record.direction == Direction.OUTBOUND
				and record.status != MessageStatus.FAILED
				and record.created_at is not None
				and record.created_at >= since
			)

	def add_inbound(
		self, device: str, at: datetime, number: str | None = None, bsuid: str | None = None
	) -> None:
		"""A customer's message to `device` at `at`, from `number`, `bsuid` or both."""
		with self._lock:
			self._inbound.append((device, number, bsuid, at))

	def last_inbound_at(self, device: str, number: str) -> datetime | None:
		with self._lock:
			self.window_reads.append((device, number))
			mine = [row for row in self._inbound if row[0] == device]
			bsuids = {bsuid for _, from_number, bsuid, _ in mine if from_number == number and bsuid}
			return latest_inbound(
				[
					self._everyone_wrote_at() if self._everyone_wrote_at else None,
					*(at for _, from_number, bsuid, at in mine if from_number == number or bsuid in bsuids),
				]
			)

	def is_opted_out(self, number: str) -> bool:
		with self._lock:
			return number in self._opt_outs

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		with self._lock:
			self._opt_outs.setdefault(number, (reason, source))

	def remove_opt_out(self, number: str) -> None:
		with self._lock:
			self._opt_outs.pop(number, None)


def _clone(record: MessageRecord) -> MessageRecord:
	"""A copy callers may change freely (cheaper than deepcopy: only the lists are mutable)."""
	return dataclasses.replace(
		record, template_params=list(record.template_params), events=[copy.copy(e) for e in record.events]
	)
