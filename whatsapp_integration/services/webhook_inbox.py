"""The webhook inbox: every verified body Meta POSTs is stored before the 200, then processed
by a drain job (queued by the endpoint) or by the scheduler, and purged after the retention days.

This service owns the inbox's states (`InboxState`) and what happens to a row after an attempt:
Queued -> Processing (claimed under a lease, so two workers never both apply a row and a row
whose worker died is taken back) -> Processed, or Queued again with a retry time, or Failed
(alerted) when a crashing row used up its retries. The store (`InboxStore`) only stores.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction, InvalidWebhookPayload
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.vocabulary import InboxState
from whatsapp_integration.core.webhook import load_envelope
from whatsapp_integration.services.webhook_service import WebhookService

BATCH = 200  # rows taken per query
STALE_SECONDS = 60  # a queued drain normally finishes a row long before this
LEASE_SECONDS = 300  # a Processing row whose worker died is taken back after this
DRAIN_SECONDS = 240  # one drain job stops after this; the next request or the scheduler goes on
UNMATCHED_STATUS_WAIT_SECONDS = 6 * 3600
"""How long a status waits for its message's log row (a campaign batch logs its sends when the
batch ends; a send saves its wamid when Meta answers). A status still unmatched after this is
for a message this site never sent (another app on the same number) and is dropped."""
UNMATCHED_STATUS_STEP_SECONDS = 300.0


class InboxStore(Protocol):
	"""Where inbox rows live (`repositories.webhook_inbox`, `testing.memory_webhook_inbox`)."""

	def add(self, body: str, size: int) -> str:
		"""Store a verified body as Queued; the new row's name."""
		...

	def claim(self, name: str, now: datetime, lease_until: datetime) -> tuple[str, int, datetime] | None:
		"""Atomically take a ready row (Queued and due, or Processing with an expired lease) as
		Processing until `lease_until`: (body, attempts so far, received at), or None."""
		...

	def ready(self, now: datetime, limit: int) -> list[str]:
		"""Queued rows that may be processed now, oldest first."""
		...

	def finish(
		self, name: str, state: InboxState, attempts: int, note: str, retry_at: datetime | None = None
	) -> None: ...

	def due(self, stale_before: datetime, now: datetime, limit: int) -> list[str]:
		"""Rows no worker finished: Queued since before `stale_before`, Queued with a retry time
		that has come, or Processing with an expired lease."""
		...

	def purge(self, processed_before: datetime) -> int:
		"""Delete Processed rows received before `processed_before`; how many."""
		...


@dataclass(frozen=True)
class InboxDecision:
	"""What happens to an inbox row after an attempt: its state, and when to try again."""

	state: InboxState
	retry_in: float | None = None


def inbox_decision(
	attempts: int,
	config: WhatsAppConfig,
	*,
	crashed: bool,
	unmatched_statuses: int = 0,
	waited: float = 0.0,
) -> InboxDecision:
	"""A crashed attempt is retried with backoff until `max_retry_attempts`, then Failed (and
	alerted). Statuses whose message is not logged yet are kept: the row is tried again, at
	most every five minutes, until it has waited `UNMATCHED_STATUS_WAIT_SECONDS`."""
	if crashed:
		delay = retry_delay(ErrorAction.RETRY, attempts, config)
		return InboxDecision(InboxState.FAILED) if delay is None else InboxDecision(InboxState.QUEUED, delay)
	if not unmatched_statuses or waited >= UNMATCHED_STATUS_WAIT_SECONDS:
		return InboxDecision(InboxState.PROCESSED)
	step = config.retry_backoff_seconds * 2 ** min(attempts - 1, 16)
	return InboxDecision(InboxState.QUEUED, min(UNMATCHED_STATUS_STEP_SECONDS, step))


class WebhookInbox:
	"""`on_crash(name)` runs inside the handler of a crashed attempt (undo, log the traceback);
	`on_failed(name, attempts, note)` when a row is given up (alert)."""

	def __init__(
		self,
		store: InboxStore,
		processor: WebhookService,
		*,
		now: Callable[[], datetime],
		on_crash: Callable[[str], None] = lambda name: None,
		on_failed: Callable[[str, int, str], None] = lambda name, attempts, note: None,
		clock: Callable[[], float] = time.monotonic,
	) -> None:
		self.store = store
		self.processor = processor
		self.config = processor.config
		self._now = now
		self._on_crash = on_crash
		self._on_failed = on_failed
		self._clock = clock

	def accept(self, raw: bytes) -> str:
		"""Store a body whose size and signature were checked; its row's name.
		`InvalidWebhookPayload` when it is no UTF-8 JSON object (nothing stored)."""
		load_envelope(raw)
		try:
			body = raw.decode("utf-8")
		except UnicodeDecodeError as error:
			raise InvalidWebhookPayload("The webhook body is not UTF-8.") from error
		return self.store.add(body, len(raw))

	def drain(self, seconds: float = DRAIN_SECONDS) -> None:
		"""Process every ready row, batch by batch, for at most `seconds`."""
		deadline = self._clock() + seconds
		while self._clock() < deadline:
			names = self.store.ready(self._now(), BATCH)
			if not names:
				return
			for name in names:
				self.process_one(name)

	def process_one(self, name: str) -> InboxState | None:
		"""Apply one row unless another worker has it or it is not ready; its new state."""
		now = self._now()
		claimed = self.store.claim(name, now, now + timedelta(seconds=LEASE_SECONDS))
		if claimed is None:
			return None
		body, attempts, received_at = claimed
		attempts += 1
		try:
			result = self.processor.process(body.encode())
		except Exception as error:
			self._on_crash(name)
			decision, note = inbox_decision(attempts, self.config, crashed=True), repr(error)
		else:
			waited = (self._now() - received_at).total_seconds()
			decision = inbox_decision(
				attempts,
				self.config,
				crashed=False,
				unmatched_statuses=result.statuses_unmatched,
				waited=waited,
			)
			note = result.summary()
		retry_at = self._now() + timedelta(seconds=decision.retry_in) if decision.retry_in else None
		self.store.finish(name, decision.state, attempts, note, retry_at)
		if decision.state is InboxState.FAILED:
			self._on_failed(name, attempts, note)
		return decision.state

	def process_pending(self) -> None:
		"""Rows no worker finished (queue or workers were down, a retry is due, a worker died)."""
		now = self._now()
		for name in self.store.due(now - timedelta(seconds=STALE_SECONDS), now, BATCH):
			self.process_one(name)

	def purge(self) -> int:
		"""Delete processed rows older than the webhook retention days in Settings."""
		return self.store.purge(self._now() - timedelta(days=self.config.webhook_event_retention_days))
