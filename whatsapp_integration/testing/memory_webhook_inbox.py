"""`InboxStore` in memory (thread-safe), for the framework-free tests of the webhook inbox service."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from whatsapp_integration.core.vocabulary import InboxState


@dataclass
class InboxRow:
	body: str
	size: int
	received_at: datetime
	state: InboxState = InboxState.QUEUED
	attempts: int = 0
	next_attempt_at: datetime | None = None
	note: str = ""


class MemoryWebhookInbox:
	def __init__(self, now: Callable[[], datetime]) -> None:
		self._lock = threading.Lock()
		self._now = now
		self.rows: dict[str, InboxRow] = {}

	def add(self, body: str, size: int) -> str:
		with self._lock:
			name = f"EVT-{len(self.rows) + 1:05d}"
			self.rows[name] = InboxRow(body, size, self._now())
			return name

	def claim(self, name: str, now: datetime, lease_until: datetime) -> tuple[str, int, datetime] | None:
		with self._lock:
			row = self.rows.get(name)
			if row is None or not _claimable(row, now):
				return None
			row.state, row.next_attempt_at = InboxState.PROCESSING, lease_until
			return row.body, row.attempts, row.received_at

	def ready(self, now: datetime, limit: int) -> list[str]:
		with self._lock:
			return self._oldest(
				lambda row: (
					row.state is InboxState.QUEUED and (row.next_attempt_at or row.received_at) <= now
				),
				limit,
			)

	def finish(
		self, name: str, state: InboxState, attempts: int, note: str, retry_at: datetime | None = None
	) -> None:
		with self._lock:
			row = self.rows[name]
			row.state, row.attempts, row.note, row.next_attempt_at = state, attempts, note, retry_at

	def due(self, stale_before: datetime, now: datetime, limit: int) -> list[str]:
		def is_due(row: InboxRow) -> bool:
			if row.state is InboxState.PROCESSING:
				return row.next_attempt_at is not None and row.next_attempt_at <= now
			if row.state is not InboxState.QUEUED:
				return False
			if row.next_attempt_at is None:
				return row.received_at <= stale_before
			return row.next_attempt_at <= now

		with self._lock:
			return self._oldest(is_due, limit)

	def purge(self, processed_before: datetime) -> int:
		with self._lock:
			old = [
				name
				for name, row in self.rows.items()
				if row.state is InboxState.PROCESSED and row.received_at < processed_before
			]
			for name in old:
				del self.rows[name]
			return len(old)

	def _oldest(self, wanted: Callable[[InboxRow], bool], limit: int) -> list[str]:
		names = [name for name, row in self.rows.items() if wanted(row)]
		return sorted(names, key=lambda name: self.rows[name].received_at)[:limit]


def _claimable(row: InboxRow, now: datetime) -> bool:
	if row.state is InboxState.QUEUED:
		return (row.next_attempt_at or now) <= now
	return (
		row.state is InboxState.PROCESSING and row.next_attempt_at is not None and row.next_attempt_at <= now
	)
