"""The app's stores in the bench's Redis: rate-limit buckets (shared by every web and worker
process), the campaign send journal and the open alert incidents. Each takes its client and key
prefix from the composition roots in `site/`."""

from __future__ import annotations

from collections.abc import Iterable

from whatsapp_integration.core.campaign.outcomes import IN_DOUBT

# Both scripts refill the bucket of KEYS[1] (ARGV[1] rate, ARGV[2] burst) to Redis' own clock
# (TIME), so workers with drifting clocks share one truth, and store it until it would be full
# again (then it equals a new one), also after `reserve` took it below zero.
_REFILL_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
"""
_STORE_LUA = """
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1)
return tostring(wait)
"""

# Atomic refill-and-take of ARGV[3] tokens; returns the wait when there are too few.
_TOKEN_BUCKET_LUA = (
	_REFILL_LUA
	+ """
local wanted = tonumber(ARGV[3])
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = (wanted - tokens) / rate
end
"""
	+ _STORE_LUA
)

# `book` in Redis: take the next slot (ARGV[3] max wait) and return the wait until it.
_RESERVE_LUA = (
	_REFILL_LUA
	+ """
local wait = math.max(0, (1 - tokens) / rate)
if wait <= tonumber(ARGV[3]) then
  tokens = tokens - 1
end
"""
	+ _STORE_LUA
)


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


class RedisSendJournal:
	"""Notes as Redis strings with a TTL (a safety net: `forget` normally removes them)."""

	def __init__(self, client: object, prefix: str, ttl_seconds: int = 7 * 86400) -> None:
		self._client = client
		self._prefix = prefix
		self._ttl = ttl_seconds

	def begin(self, key: str) -> None:
		self._client.set(self._prefix + key, IN_DOUBT, ex=self._ttl)  # type: ignore[attr-defined]

	def finish(self, key: str, wamid: str | None) -> None:
		if wamid:
			self._client.set(self._prefix + key, wamid, ex=self._ttl)  # type: ignore[attr-defined]
		else:
			self._client.delete(self._prefix + key)  # type: ignore[attr-defined]

	def lookup(self, keys: Iterable[str]) -> dict[str, str]:
		keys = list(keys)
		if not keys:
			return {}
		values = self._client.mget([self._prefix + key for key in keys])  # type: ignore[attr-defined]
		return {key: _text(value) for key, value in zip(keys, values, strict=True) if value is not None}

	def forget(self, keys: Iterable[str]) -> None:
		names = [self._prefix + key for key in keys]
		if names:
			self._client.delete(*names)  # type: ignore[attr-defined]


def _text(value: bytes | str) -> str:
	return value.decode() if isinstance(value, bytes) else value


class RedisIncidentStore:
	"""Keys in Redis (`SET NX EX`), shared by every process, surviving restarts."""

	def __init__(self, client: object, prefix: str = "whatsapp:alert:") -> None:
		self._client = client
		self._prefix = prefix

	def open(self, key: str, ttl: int) -> bool:
		return bool(self._client.set(self._prefix + key, 1, nx=True, ex=ttl))  # type: ignore[attr-defined]

	def keep_open(self, key: str, ttl: int) -> None:
		self._client.expire(self._prefix + key, ttl)  # type: ignore[attr-defined]
