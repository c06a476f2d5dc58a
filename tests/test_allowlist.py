"""The site-wide send allowlist: its entries, and the outbox refusing every other number before
anything is stored or sent (single sends, campaign records, retries of rows queued earlier)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from conftest import ServiceHarness

from whatsapp_integration.core.allowlist import RecipientNotAllowed, clean_entries, is_allowed
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.core.vocabulary import MessageStatus

ALLOWED = "+4917600000001"
OTHER = "+4917699999999"
MakeService = Callable[..., ServiceHarness]


def test_entries_are_numbers_or_prefixes() -> None:
	assert clean_entries([" +49 176 0000-0001 ", "+44 (20)*"]) == (ALLOWED, "+4420*")
	entries = (ALLOWED, "+4420*")
	assert is_allowed(ALLOWED, entries) and is_allowed("+442071234567", entries)
	assert not is_allowed(OTHER, entries) and not is_allowed("+4917600000001" + "2", entries)
	for bad in ("0176 123", "+49*176", "all", "+"):
		with pytest.raises(ConfigurationError, match="not a number or prefix"):
			WhatsAppConfig(send_allowlist=(bad,))
	config = WhatsAppConfig.from_mapping(
		{"restrict_sends_to_allowlist": 1, "send_allowlist": "+49 176 1\n+44*"}
	)
	assert config.restrict_sends_to_allowlist and config.send_allowlist == ("+491761", "+44*")


def test_the_outbox_refuses_a_number_off_the_list(make_service: MakeService) -> None:
	harness = make_service(restrict_sends_to_allowlist=True, send_allowlist=(ALLOWED,))
	with pytest.raises(RecipientNotAllowed, match="not on the send allowlist") as refused:
		harness.service.send(OutboundMessage(to=OTHER, text="hello"))
	assert "Settings > Send allowlist" in str(refused.value)
	assert harness.repository.count_outbound_since(harness.device.name, datetime.min) == 0
	assert harness.graph.message_requests() == []
	assert harness.service.send(OutboundMessage(to=ALLOWED, text="hello")).status == MessageStatus.SENT


def test_campaign_records_are_refused_too(make_service: MakeService) -> None:
	harness = make_service(restrict_sends_to_allowlist=True, send_allowlist=("+4917600*",))
	device = harness.repository.get_device(None)
	assert harness.service.build_record(OutboundMessage(to=ALLOWED, text="hi"), device).to_number == ALLOWED
	with pytest.raises(RecipientNotAllowed):
		harness.service.build_record(OutboundMessage(to=OTHER, text="hi"), device)


def test_the_list_is_off_by_default(make_service: MakeService) -> None:
	harness = make_service(send_allowlist=(ALLOWED,))
	assert harness.service.send(OutboundMessage(to=OTHER, text="hello")).status == MessageStatus.SENT


def test_rows_queued_before_the_list_was_turned_on_are_not_sent(make_service: MakeService) -> None:
	"""A staging copy of production holds production's Queued rows: the retry job fails them."""
	harness = make_service()
	harness.graph.fail_next(code=None, http_status=503, message="down")
	queued = harness.service.send(OutboundMessage(to=OTHER, text="hello"))
	assert queued.status == MessageStatus.QUEUED
	harness.service.config = harness.config.replace(
		restrict_sends_to_allowlist=True, send_allowlist=(ALLOWED,)
	)
	harness.clock.advance(3600)
	harness.graph.reset()
	assert harness.service.retry_due() == 1
	row = harness.repository.get_message(queued.name or "")
	assert row.status == MessageStatus.FAILED and "not on the send allowlist" in (row.error_reason or "")
	assert harness.graph.message_requests() == []
	with pytest.raises(RecipientNotAllowed):
		harness.service.retry(queued.name or "")
