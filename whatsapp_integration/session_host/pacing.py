"""Enforced pacing for WhatsApp Web sends: a minimum gap plus random jitter between two sends
of one device, and a daily cap per device. Bursts get numbers banned, so this is not advice:
a send that would come too early waits (up to `max_wait`) or is refused with `RateLimited`."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from whatsapp_integration.core.errors import RateLimited
from whatsapp_integration.core.i18n import _


class DailyCounter(Protocol):
	def count(self, device: str, day: str) -> int: ...

	def increment(self, device: str, day: str) -> int: ...


class MemoryDailyCounter:
	def __init__(self) -> None:
		self._counts: dict[tuple[str, str], int] = {}
		self._lock = threading.Lock()

	def count(self, device: str, day: str) -> int:
		with self._lock:
			return self._counts.get((device, day), 0)

	def increment(self, device: str, day: str) -> int:
		with self._lock:
			self._counts[(device, day)] = self._counts.get((device, day), 0) + 1
			return self._counts[(device, day)]


class RedisDailyCounter:
	"""Counts in Redis, so a host restart does not reset the day's count."""

	def __init__(self, client: object, prefix: str) -> None:
		self._client = client
		self._prefix = prefix

	def count(self, device: str, day: str) -> int:
		return int(self._client.get(self._key(device, day)) or 0)  # type: ignore[attr-defined]

	def increment(self, device: str, day: str) -> int:
		key = self._key(device, day)
		pipeline = self._client.pipeline()  # type: ignore[attr-defined]
		pipeline.incr(key)
		pipeline.expire(key, 2 * 86400)
		return int(pipeline.execute()[0])

	def _key(self, device: str, day: str) -> str:
		return f"{self._prefix}sent:{device}:{day}"


class SendPacer:
	def __init__(
		self,
		min_gap: float,
		jitter: float,
		daily_cap: int,
		counter: DailyCounter,
		*,
		clock: Callable[[], float] = time.monotonic,
		today: Callable[[], datetime] = datetime.now,
		rand: Callable[[], float] = random.random,
	) -> None:
		self.min_gap, self.jitter, self.daily_cap = min_gap, jitter, daily_cap
		self._counter = counter
		self._clock, self._today, self._rand = clock, today, rand
		self._last_slot: dict[str, float] = {}
		self._lock = threading.Lock()

	def configure(self, min_gap: float, jitter: float, daily_cap: int) -> None:
		"""New pacing from changed Settings; it applies from the next slot booked."""
		with self._lock:
			self.min_gap, self.jitter, self.daily_cap = min_gap, jitter, daily_cap

	def reserve(self, device: str, max_wait: float) -> float:
		"""Book the device's next send slot and return the seconds to wait for it; raise
		`RateLimited` (booking nothing) when the slot is further than `max_wait` or the
		daily cap is spent."""
		with self._lock:
			self._check_cap(device)
			now = self._clock()
			previous = self._last_slot.get(device)
			slot = now if previous is None else max(now, previous + self.min_gap + self.jitter * self._rand())
			if slot - now > max_wait:
				raise RateLimited(
					_(
						"Device {device} sends at most one WhatsApp Web message every {gap:g} s "
						"(plus up to {jitter:g} s); the next slot is in {wait:.1f} s."
					).format(device=device, gap=self.min_gap, jitter=self.jitter, wait=slot - now),
					retry_after=slot - now,
				)
			self._last_slot[device] = slot
			self._counter.increment(device, self._day())
			return slot - now

	def record_send(self, device: str) -> None:
		"""A send has finished: the next slot counts its gap from now, so the gap also holds
		between the moments WhatsApp receives two messages, however long a send took."""
		with self._lock:
			self._last_slot[device] = max(self._last_slot.get(device, self._clock()), self._clock())

	def _check_cap(self, device: str) -> None:
		if self._counter.count(device, self._day()) < self.daily_cap:
			return
		now = self._today()
		midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
		raise RateLimited(
			_(
				"Device {device} has sent its WhatsApp Web daily cap of {cap} messages. "
				"Sending resumes tomorrow; raise Daily sends per web device in WhatsApp Integration Settings only "
				"if the number is well established."
			).format(device=device, cap=self.daily_cap),
			retry_after=(midnight - now).total_seconds(),
		)

	def _day(self) -> str:
		return self._today().strftime("%Y%m%d")
