"""Token-bucket rate limiting, in memory (one process) or in Redis (shared by all workers).

A bucket holds up to `burst` tokens and refills at `rate` tokens per second. `try_acquire`
takes tokens when they are there and returns 0, or returns how many seconds until they
would be; it never sleeps. `acquire` sleeps up to `max_wait` and raises `RateLimited` past it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from whatsapp_integration.core.errors import RateLimited

Clock = Callable[[], float]


class RateLimiter(Protocol):
	def try_acquire(self, key: str, rate: float, burst: float, tokens: float = 1.0) -> float:
		"""Take `tokens` from bucket `key` and return 0, or return the seconds to wait."""
		...


def acquire(
	limiter: RateLimiter,
	key: str,
	rate: float,
	burst: float,
	*,
	max_wait: float = 0.0,
	sleep: Callable[[float], None] = time.sleep,
	what: str = "sending",
) -> None:
	"""Take one token, sleeping while the wait is within `max_wait`; raise `RateLimited` otherwise."""
	waited = 0.0
	while True:
		wait = limiter.try_acquire(key, rate, burst)
		if wait <= 0:
			return
		if waited + wait > max_wait:
			raise RateLimited(
				f"The rate limit for {what} is reached ({rate:g} per second). Try again in {wait:.1f} s.",
				retry_after=wait,
			)
		sleep(wait)
		waited += wait


def refill(tokens: float, updated: float, now: float, rate: float, burst: float) -> float:
	"""Tokens in a bucket at `now` that had `tokens` at `updated`."""
	return min(burst, tokens + max(0.0, now - updated) * rate)


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


# Atomic refill-and-take. KEYS[1] bucket; ARGV: rate, burst, tokens, ttl seconds.
# Redis' own clock (TIME) is used so that workers with drifting clocks share one truth.
_TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = (wanted - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return tostring(wait)
"""


class RedisRateLimiter:
	"""Buckets in Redis, so every gunicorn and RQ process draws from one budget."""

	def __init__(self, client: object, prefix: str = "whatsapp:rl:") -> None:
		self._client = client
		self._prefix = prefix
		self._script = client.register_script(_TOKEN_BUCKET_LUA)  # type: ignore[attr-defined]

	def try_acquire(self, key: str, rate: float, burst: float, tokens: float = 1.0) -> float:
		ttl = max(1, int(burst / rate) + 1)
		wait = self._script(keys=[self._prefix + key], args=[rate, burst, tokens, ttl])
		return float(wait)
