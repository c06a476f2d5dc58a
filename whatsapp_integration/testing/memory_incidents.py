"""An in-memory `IncidentStore` for tests."""

from __future__ import annotations

from collections.abc import Callable


class MemoryIncidentStore:
	"""An `IncidentStore` in a dict with an injected clock (tests, single process)."""

	def __init__(self, clock: Callable[[], float]) -> None:
		self._clock = clock
		self._expiry: dict[str, float] = {}

	def open(self, key: str, ttl: int) -> bool:
		now = self._clock()
		if self._expiry.get(key, 0.0) > now:
			return False
		self._expiry[key] = now + ttl
		return True

	def keep_open(self, key: str, ttl: int) -> None:
		self._expiry[key] = self._clock() + ttl
