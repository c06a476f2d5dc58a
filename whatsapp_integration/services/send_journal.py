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
