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
	what: str = "sending",
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
			raise RateLimited(
				f"The rate limit for {what} is reached ({rate:g} per second). Try again in {wait:.1f} s.",
				retry_after=wait,
			)
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


# Atomic refill-and-take. KEYS[1] bucket; ARGV: rate, burst, tokens. A key lives until its
# bucket would be full again (then it equals a new one), also after `reserve` took it below zero.
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
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
return tostring(wait)
"""


# `book` in Redis. KEYS[1] bucket; ARGV: rate, burst, max wait.
_RESERVE_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local wait = math.max(0, (1 - tokens) / rate)
if wait <= tonumber(ARGV[3]) then
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
return tostring(wait)
"""


class RedisRateLimiter:
	"""Buckets in Redis, so every gunicorn and RQ process draws from one budget."""

	def __init__(self, client: object, prefix: str = "whatsapp:rl:") -> None:
		self._client = client
		self._prefix = prefix
		self._script = client.register_script(_TOKEN_BUCKET_LUA)  # type: ignore[attr-defined]
		self._reserve = client.register_script(_RESERVE_LUA)  # type: ignore[attr-defined]

	def try_acquire(self, key: str, rate: float, burst: float, tokens: float = 1.0) -> float:
		wait = self._script(keys=[self._prefix + key], args=[rate, burst, tokens])
		return float(wait)

	def reserve(self, key: str, rate: float, burst: float, max_wait: float) -> float:
		wait = self._reserve(keys=[self._prefix + key], args=[rate, burst, max_wait])
		return float(wait)
