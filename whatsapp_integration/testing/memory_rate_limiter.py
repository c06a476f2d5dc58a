"""Token buckets in one process (the `core.ratelimit` math), for tests and benchmarks."""

from __future__ import annotations

import threading
import time

from whatsapp_integration.core.ratelimit import Clock, book, refill


class MemoryRateLimiter:
	"""Per-process buckets; for tests, benchmarks and single-process tools."""

	def __init__(self, clock: Clock = time.monotonic) -> None:
		self._clock = clock
		self._buckets: dict[str, tuple[float, float]] = {}
		self._lock = threading.Lock()

	def try_acquire(self, key: str, rate: float, burst: float, tokens: float = 1.0) -> float:
		with self._lock:
			now = self._clock()
			available, updated = self._buckets.get(key, (burst, now))
			available = refill(available, updated, now, rate, burst)
			if available >= tokens:
				self._buckets[key] = (available - tokens, now)
				return 0.0
			self._buckets[key] = (available, now)
			return (tokens - available) / rate

	def reserve(self, key: str, rate: float, burst: float, max_wait: float) -> float:
		with self._lock:
			now = self._clock()
			available, updated = self._buckets.get(key, (burst, now))
			left, wait = book(refill(available, updated, now, rate, burst), rate, max_wait)
			self._buckets[key] = (left, now)
			return wait
