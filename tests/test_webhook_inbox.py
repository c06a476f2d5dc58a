"""The webhook inbox service on the in-memory inbox: accept, drain, process one, pending rows,
purge; the states and decisions it owns."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import InvalidWebhookPayload
from whatsapp_integration.core.vocabulary import InboxState
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_inbox import (
	LEASE_SECONDS,
	STALE_SECONDS,
	UNMATCHED_STATUS_STEP_SECONDS,
	UNMATCHED_STATUS_WAIT_SECONDS,
	InboxDecision,
	WebhookInbox,
	inbox_decision,
)
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.memory_webhook_inbox import MemoryWebhookInbox
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

DEVICE = DeviceProfile("Shop", phone_number_id=payloads.PHONE_NUMBER_ID, phone_number="+15557654321")
CONFIG = WhatsAppConfig(max_retry_attempts=3, retry_backoff_seconds=10, webhook_event_retention_days=7)


class Clock:
	def __init__(self) -> None:
		self.now = datetime(2026, 3, 2, 10, 0)

	def __call__(self) -> datetime:
		return self.now


def build() -> tuple[WebhookInbox, MemoryWebhookInbox, MemoryWebhookRepository, Clock, list]:
	clock, failed = Clock(), []
	store, repository = MemoryWebhookInbox(clock), MemoryWebhookRepository([DEVICE])
	inbox = WebhookInbox(
		store,
		WebhookService(repository, CONFIG),
		now=clock,
		on_failed=lambda name, attempts, note: failed.append((name, attempts)),
	)
	return inbox, store, repository, clock, failed


def body(wamid: str = "wamid.IN1") -> bytes:
	message = payloads.text_message(wamid, "hello", wa_id="4917600000001")
	return payloads.encode(payloads.envelope([payloads.messages_change([message])]))


def test_inbox_decision() -> None:
	assert inbox_decision(1, CONFIG, crashed=False) == InboxDecision(InboxState.PROCESSED)
	crashed = inbox_decision(1, CONFIG, crashed=True)
	assert crashed.state is InboxState.QUEUED and 5 <= crashed.retry_in < 15
	assert inbox_decision(3, CONFIG, crashed=True) == InboxDecision(InboxState.FAILED)
	assert inbox_decision(2, CONFIG, crashed=False, unmatched_statuses=1).state is InboxState.QUEUED


def test_a_status_waits_for_its_log_row_long_after_the_retry_attempts() -> None:
	"""A campaign logs its sends when the batch ends: the status is kept, not dropped after
	`max_retry_attempts` (old: Processed, the status lost)."""
	waiting = inbox_decision(20, CONFIG, crashed=False, unmatched_statuses=1, waited=3600)
	assert waiting.state is InboxState.QUEUED and 0 < waiting.retry_in <= UNMATCHED_STATUS_STEP_SECONDS
	late = inbox_decision(
		80, CONFIG, crashed=False, unmatched_statuses=1, waited=UNMATCHED_STATUS_WAIT_SECONDS
	)
	assert late == InboxDecision(InboxState.PROCESSED)


def test_accept_stores_a_json_object_and_refuses_anything_else() -> None:
	inbox, store, *_ = build()
	name = inbox.accept(body())
	assert store.rows[name].state is InboxState.QUEUED
	for bad in (b"[1, 2]", b"not json", '{"a": "\u00e9"}'.encode("utf-16")):
		with pytest.raises(InvalidWebhookPayload):
			inbox.accept(bad)
	assert len(store.rows) == 1


def test_drain_applies_every_ready_row_once() -> None:
	inbox, store, repository, _clock, _failed = build()
	names = [inbox.accept(body(f"wamid.D{i}")) for i in range(3)] + [inbox.accept(body("wamid.D0"))]
	inbox.drain()
	assert {store.rows[name].state for name in names} == {InboxState.PROCESSED}
	assert len(repository.inbound) == 3 and "messages duplicate: 1" in store.rows[names[-1]].note
	assert inbox.process_one(names[0]) is None  # processed rows are not taken again


def test_a_crashing_row_is_retried_then_failed_and_reported() -> None:
	inbox, store, _repository, clock, failed = build()
	name = store.add("[1, 2]", 6)  # stored, but processing raises
	assert inbox.process_one(name) is InboxState.QUEUED and store.rows[name].attempts == 1
	assert inbox.process_one(name) is None  # its retry time has not come
	for _ in range(2):
		clock.now += timedelta(hours=1)
		inbox.process_pending()
	assert store.rows[name].state is InboxState.FAILED and failed == [(name, 3)]


def test_pending_takes_stale_rows_and_expired_leases_only() -> None:
	inbox, store, _repository, clock, _failed = build()
	fresh, stale = inbox.accept(body("wamid.P1")), None
	clock.now += timedelta(seconds=STALE_SECONDS + 1)
	stale = inbox.accept(body("wamid.P2"))
	store.claim(stale, clock.now, clock.now + timedelta(seconds=LEASE_SECONDS))  # a worker died with it
	inbox.process_pending()
	assert (store.rows[fresh].state, store.rows[stale].state) == (InboxState.PROCESSED, InboxState.PROCESSING)
	clock.now += timedelta(seconds=LEASE_SECONDS)
	inbox.process_pending()
	assert store.rows[stale].state is InboxState.PROCESSED


def test_purge_deletes_processed_rows_past_the_retention_days() -> None:
	inbox, store, _repository, clock, _failed = build()
	old, queued = inbox.accept(body("wamid.O1")), store.add("[1]", 3)
	inbox.process_one(old)
	clock.now += timedelta(days=8)
	kept = inbox.accept(body("wamid.O2"))
	inbox.process_one(kept)
	assert inbox.purge() == 1
	assert set(store.rows) == {queued, kept}
