"""Retrying a failed send by hand: back in the outbox, sent by the retry loop, never twice."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ServiceHarness

from whatsapp_integration.core.errors import InvalidMessage, RecipientOptedOut
from whatsapp_integration.core.message import OutboundMessage

TO = "+14155550123"
MakeService = Callable[..., ServiceHarness]


def failed_send(harness: ServiceHarness) -> str:
	harness.graph.fail_next(131009, http_status=400, message="Parameter value is not valid")
	record = harness.service.send(OutboundMessage(to=TO, text="Your order has shipped"))
	assert record.status == "Failed"
	return record.name or ""


def test_retry_requeues_and_the_retry_loop_sends_once(make_service: MakeService) -> None:
	harness = make_service()
	name = failed_send(harness)
	requeued = harness.service.retry(name)
	assert (requeued.status, requeued.next_attempt_at) == ("Queued", harness.clock.now())
	assert harness.service.retry_due() == 1
	assert harness.service.retry_due() == 0
	stored = harness.repository.get_message(name)
	assert (stored.status, stored.attempts) == ("Sent", 2)
	assert [event.status for event in stored.events] == ["Failed", "Queued", "Sent"]
	assert len(harness.graph.message_requests()) == 2


def test_only_failed_messages_can_be_retried(make_service: MakeService) -> None:
	harness = make_service()
	record = harness.service.send(OutboundMessage(to=TO, text="Hello"))
	with pytest.raises(InvalidMessage, match="Only failed"):
		harness.service.retry(record.name or "")


def test_retry_to_an_opted_out_number_is_refused(make_service: MakeService) -> None:
	harness = make_service()
	name = failed_send(harness)
	harness.repository.add_opt_out(TO, "asked by phone", "Manual")
	with pytest.raises(RecipientOptedOut):
		harness.service.retry(name)
	assert harness.repository.get_message(name).status == "Failed"


def test_a_queued_retry_to_a_number_that_opted_out_since_ends_failed_unsent(
	make_service: MakeService,
) -> None:
	harness = make_service()
	harness.graph.fail_next(None, http_status=503)
	record = harness.service.send(OutboundMessage(to=TO, text="Your order has shipped"))
	assert record.status == "Queued"
	harness.repository.add_opt_out(TO, "Replied STOP", "Inbound")
	harness.clock.advance(3600)
	assert harness.service.retry_due() == 1
	stored = harness.repository.get_message(record.name or "")
	assert stored.status == "Failed" and "asked not to receive" in (stored.error_reason or "")
	assert len(harness.graph.message_requests()) == 1, "the retry did not send"
