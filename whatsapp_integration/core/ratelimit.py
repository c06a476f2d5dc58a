"""Token-bucket rate limiting in Redis (shared by all workers); `testing.memory_rate_limiter` keeps
buckets in one process for tests and benchmarks.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second. `try_acquire`
takes tokens when they are there and returns 0, or returns how many seconds until they
would be; it never sleeps. `acquire` sleeps up to `max_wait` and raises `RateLimited` past it.

`reserve` books the next slot of a schedule against the clock instead: the token is taken at
once, also before it has refilled (the bucket goes below zero), and the caller sleeps until its
slot and sends without asking again. Slot k + 1 is slot k + 1/rate however late the caller woke
up or however long its send took (as long as it asks again before that slot), so the time a
send takes never adds to the gap; `pace` sleeps for such a slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from whatsapp_integration.core.errors import RateLimited
from whatsapp_integration.core.i18n import _

Clock = Callable[[], float]


class RateLimiter(Protocol):
	def try_acquire(self, key: str, rate: float, burst: float, tokens: float = 1.0) -> float:
		"""Take `tokens` from bucket `key` and return 0, or return the seconds to wait."""
		...

	def reserve(self, key: str, rate: float, burst: float, max_wait: float) -> float:
		"""Book one token of bucket `key` and return the seconds until its slot (0: now); a slot
		further than `max_wait` books nothing and its wait is returned as is."""
		...


def acquire(
	limiter: RateLimiter,
	key: str,
	rate: float,
	burst: float,
	*,
	max_wait: float = 0.0,
	sleep: Callable[[float], None] = time.sleep,
	what: str = _("sending"),
) -> None:
	"""Take one token, sleeping while the wait is within `max_wait`; raise `RateLimited` otherwise."""
	waited = 0.0
	while True:
		wait = limiter.try_acquire(key, rate, burst)
		if wait <= 0:
			return
		if waited + wait > max_wait:
			raise _rate_limited(what, rate, wait)
		sleep(wait)
		waited += wait


def pace(
	limiter: RateLimiter,
	key: str,
	rate: float,
	burst: float,
	*,
	max_wait: float,
	slack: float,
	sleep: Callable[[float], None] = time.sleep,
	clock: Clock = time.monotonic,
	what: str = _("sending"),
) -> None:
	"""Sleep until the next slot of bucket `key` (see `reserve`); raise `RateLimited` when that slot
	is further than `max_wait`. A caller that wakes up more than `slack` seconds after its slot
	(a busy machine) books the next one once instead of sending late, close to the following
	slot; late again, it goes."""
	waited = 0.0
	for last_try in (False, True):
		asked = clock()
		wait = limiter.reserve(key, rate, burst, max_wait - waited)
		if wait > max_wait - waited:
			raise _rate_limited(what, rate, wait)
		if wait > 0:
			sleep(wait)
		late = clock() - asked - wait
		if late <= slack or last_try:
			return
		waited += wait + late


def book(tokens: float, rate: float, max_wait: float) -> tuple[float, float]:
	"""(tokens left, seconds to the slot) after booking one token from a bucket that holds
	`tokens` now; past `max_wait` nothing is booked."""
	wait = max(0.0, (1.0 - tokens) / rate)
	return (tokens - 1.0 if wait <= max_wait else tokens), wait


def refill(tokens: float, updated: float, now: float, rate: float, burst: float) -> float:
	"""Tokens in a bucket at `now` that had `tokens` at `updated`."""
	return min(burst, tokens + max(0.0, now - updated) * rate)


def _rate_limited(what: str, rate: float, wait: float) -> RateLimited:
	return RateLimited(
		_("The rate limit for {what} is reached ({rate:g} per second). Try again in {wait:.1f} s.").format(
			what=what, rate=rate, wait=wait
		),
		retry_after=wait,
	)
