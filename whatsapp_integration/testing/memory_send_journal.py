"""Campaign send notes kept in memory (`services.send_journal.SendJournal`), for tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from whatsapp_integration.core.campaign.outcomes import IN_DOUBT


class MemorySendJournal:
	def __init__(self) -> None:
		self._notes: dict[str, str] = {}
		self._lock = threading.Lock()

	def begin(self, key: str) -> None:
		with self._lock:
			self._notes[key] = IN_DOUBT

	def finish(self, key: str, wamid: str | None) -> None:
		with self._lock:
			if wamid:
				self._notes[key] = wamid
			else:
				self._notes.pop(key, None)

	def lookup(self, keys: Iterable[str]) -> dict[str, str]:
		with self._lock:
			return {key: self._notes[key] for key in keys if key in self._notes}

	def forget(self, keys: Iterable[str]) -> None:
		with self._lock:
			for key in keys:
				self._notes.pop(key, None)
