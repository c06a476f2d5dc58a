"""A write-ahead note of each campaign send, so a killed worker's batch resumes exactly.

Outcomes reach the database in bulk once per batch; a worker killed mid-batch leaves rows
leased with no outcome. Before each request the dispatcher notes "sending" under the
idempotency key and, once Meta answers, the wamid (or drops the note after a failure).
The next dispatcher reads the notes before sending: a wamid means "already sent, record
it", "sending" means the worker died during the request (in doubt: never sent again, so
nothing goes out twice). The notes live in Redis, which outlives the workers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

IN_DOUBT = "?"


class SendJournal(Protocol):
	def begin(self, key: str) -> None: ...

	def finish(self, key: str, wamid: str | None) -> None:
		"""Record the wamid of a send Meta accepted, or forget a send that failed."""
		...

	def lookup(self, keys: Iterable[str]) -> dict[str, str]:
		"""Noted keys: the wamid, or `IN_DOUBT` when the send never finished."""
		...

	def forget(self, keys: Iterable[str]) -> None:
		"""Drop notes whose outcome is stored in the database."""
		...


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
