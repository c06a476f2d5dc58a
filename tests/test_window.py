"""The 24 h customer-service window (core/window.py) and the outbox refusing free-form messages
outside it before any request reaches the (fake) Graph API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from campaign_harness import make_harness
from conftest import FakeClock, ServiceHarness, make_device

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import InvalidMessage, WindowClosed
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode, MessageStatus, RecipientState
from whatsapp_integration.core.window import (
	WINDOW,
	check_window,
	is_bound,
	latest_inbound,
	requires_window,
	window_for,
)
from whatsapp_integration.testing.fake_graph import FakeGraphApi

TO = "+919876543210"
WROTE = datetime(2026, 3, 1, 10, 0, 0)
MakeService = Callable[..., ServiceHarness]


class TestRule:
	def test_open_one_second_before_24_hours(self) -> None:
		window = window_for(WROTE, WROTE + WINDOW - timedelta(seconds=1))
		assert window.is_open and window.closes_at == WROTE + timedelta(hours=24)
		assert window.seconds_left(WROTE + WINDOW - timedelta(seconds=1)) == 1.0

	def test_closed_exactly_at_24_hours_and_after(self) -> None:
		for late in (timedelta(0), timedelta(microseconds=1), timedelta(days=3)):
			window = window_for(WROTE, WROTE + WINDOW + late)
			assert not window.is_open and window.seconds_left(WROTE + WINDOW + late) == 0.0
			assert window.last_inbound_at == WROTE

	def test_open_right_after_the_message(self) -> None:
		assert window_for(WROTE, WROTE).is_open

	def test_never_wrote_is_closed(self) -> None:
		window = window_for(None, WROTE)
		assert (window.is_open, window.last_inbound_at, window.closes_at) == (False, None, None)
		assert window.seconds_left(WROTE) == 0.0

	def test_time_zones_compare_the_instants(self) -> None:
		tehran = ZoneInfo("Asia/Tehran")  # UTC+03:30
		wrote = datetime(2026, 3, 1, 23, 30, tzinfo=tehran)  # 20:00 UTC
		assert window_for(wrote, datetime(2026, 3, 2, 19, 59, tzinfo=timezone.utc)).is_open
		assert not window_for(wrote, datetime(2026, 3, 2, 20, 0, tzinfo=timezone.utc)).is_open
		los_angeles = ZoneInfo("America/Los_Angeles")  # 12:00 UTC-8 is 20:00 UTC
		assert window_for(wrote, datetime(2026, 3, 2, 11, 59, tzinfo=los_angeles)).is_open

	def test_naive_and_aware_times_are_not_mixed(self) -> None:
		with pytest.raises(ValueError, match="time zone"):
			window_for(WROTE, datetime(2026, 3, 1, 11, tzinfo=timezone.utc))

	def test_bsuid_only_messages_count_for_the_customer(self) -> None:
		by_number, by_bsuid = WROTE, WROTE + timedelta(hours=20)
		assert latest_inbound([by_number, None, by_bsuid]) == by_bsuid
		assert latest_inbound([None, None]) is None

	def test_templates_need_no_window_everything_else_does(self) -> None:
		assert not requires_window("template")
		for kind in ("text", "image", "document", "video", "audio", "sticker", "interactive"):
			assert requires_window(kind), kind

	def test_official_devices_are_bound_web_only_when_enforced(self) -> None:
		assert is_bound(DeviceMode.OFFICIAL, False)
		assert not is_bound(DeviceMode.WEB, False)
		assert is_bound(DeviceMode.WEB, True)

	def test_the_error_names_the_last_inbound_time_and_says_to_send_a_template(self) -> None:
		with pytest.raises(WindowClosed) as caught:
			check_window("text", TO, "Main", WROTE, WROTE + timedelta(hours=25))
		message = str(caught.value)
		assert "2026-03-01 10:00" in message and "template" in message and TO in message
		assert caught.value.last_inbound_at == WROTE and isinstance(caught.value, InvalidMessage)

	def test_the_error_for_a_customer_who_never_wrote(self) -> None:
		with pytest.raises(WindowClosed, match=r"never written to Main.*template") as caught:
			check_window("image", TO, "Main", None, WROTE)
		assert caught.value.last_inbound_at is None

	def test_a_template_passes_a_closed_window(self) -> None:
		check_window("template", TO, "Main", None, WROTE)


def text(to: str = TO) -> OutboundMessage:
	return OutboundMessage(to=to, text="Your order has shipped")


class TestOutbox:
	def test_text_to_a_customer_who_never_wrote_is_refused_before_any_request(
		self, make_service: MakeService
	) -> None:
		harness = make_service(customers_wrote=False)
		with pytest.raises(WindowClosed, match="never written"):
			harness.service.send(text())
		assert harness.graph.message_requests() == []
		assert harness.repository.count_outbound_since(harness.device.name, datetime(2000, 1, 1)) == 0

	def test_media_after_the_window_closed_is_refused_naming_the_last_message(
		self, make_service: MakeService
	) -> None:
		harness = make_service(customers_wrote=False)
		harness.repository.add_inbound(harness.device.name, harness.clock.now(), number=TO)
		harness.clock.advance(WINDOW.total_seconds())
		media = Media("image", "https://example.com/a.png")
		with pytest.raises(WindowClosed, match=r"2026-03-02 10:00.*template"):
			harness.service.send(OutboundMessage(to=TO, message_type="image", media=media))
		assert harness.graph.message_requests() == []

	def test_text_inside_the_window_is_sent(self, make_service: MakeService) -> None:
		harness = make_service(customers_wrote=False)
		harness.repository.add_inbound(harness.device.name, harness.clock.now(), number=TO)
		harness.clock.advance(WINDOW.total_seconds() - 1)
		assert harness.service.send(text()).status == MessageStatus.SENT
		assert len(harness.graph.message_requests()) == 1

	def test_a_message_under_the_customers_bsuid_opens_the_window(self, make_service: MakeService) -> None:
		harness = make_service(customers_wrote=False)
		device = harness.device.name
		harness.repository.add_inbound(device, harness.clock.now(), number=TO, bsuid="IN.1234")
		harness.clock.advance(20 * 3600)
		harness.repository.add_inbound(device, harness.clock.now(), bsuid="IN.1234")  # BSUID only
		harness.clock.advance(10 * 3600)  # 30 h after the message with the number, 10 h after the other
		assert harness.service.send(text()).status == MessageStatus.SENT

	def test_another_devices_inbound_does_not_open_the_window(self, make_service: MakeService) -> None:
		harness = make_service(customers_wrote=False)
		harness.repository.add_inbound("Other Number", harness.clock.now(), number=TO)
		with pytest.raises(WindowClosed):
			harness.service.send(text())

	def test_a_template_goes_to_a_customer_who_never_wrote(self, make_service: MakeService) -> None:
		harness = make_service(customers_wrote=False)
		message = OutboundMessage(to=TO, message_type="template", template=Template("order_update"))
		assert harness.service.send(message).status == MessageStatus.SENT

	def test_a_template_does_not_read_the_customers_last_message(self, make_service: MakeService) -> None:
		harness = make_service(customers_wrote=False)
		message = OutboundMessage(to=TO, message_type="template", template=Template("order_update"))
		harness.service.send(message)
		assert harness.repository.window_reads == []  # templates go without a window
		harness.repository.add_inbound(harness.device.name, harness.clock.now(), number=TO)
		harness.service.send(text())
		assert harness.repository.window_reads == [(harness.device.name, TO)]

	def test_a_queued_retry_is_failed_when_the_window_closed_meanwhile(
		self, make_service: MakeService
	) -> None:
		harness = make_service(customers_wrote=False)
		harness.repository.add_inbound(harness.device.name, harness.clock.now(), number=TO)
		harness.graph.fail_next(131000, http_status=500)
		record = harness.service.send(text())
		assert record.status == MessageStatus.QUEUED
		harness.clock.advance(WINDOW.total_seconds() + 60)
		harness.service.retry_due()
		stored = harness.repository.get_message(record.name or "")
		assert stored.status == MessageStatus.FAILED and "template" in (stored.error_reason or "")
		assert len(harness.graph.message_requests()) == 1

	def test_web_devices_send_outside_the_window_unless_settings_enforce_it(
		self, make_service: MakeService
	) -> None:
		web = make_device("Web Phone", mode=DeviceMode.WEB)
		harness = make_service(device=web, customers_wrote=False)
		record = harness.service.build_record(text(), web)
		assert record.text == "Your order has shipped"
		enforced = make_service(device=web, customers_wrote=False, enforce_window_for_web=True)
		with pytest.raises(WindowClosed):
			enforced.service.build_record(text(), web)


def test_a_free_text_campaign_skips_recipients_outside_the_window_without_a_request(
	fake_graph: FakeGraphApi, clock: FakeClock
) -> None:
	harness = make_harness(fake_graph, clock, customers_wrote=False)
	harness.campaign(recipients=2)  # +14152000000 and +14152000001, free text
	harness.messages.add_inbound(harness.device.name, clock.now(), number="+14152000001")
	harness.service().start("CAMP-1")
	harness.dispatcher().dispatch_device(harness.device.name)
	assert harness.sent_to() == ["14152000001"]
	refused = harness.campaigns.recipients("CAMP-1")[0]
	assert refused.state == RecipientState.SKIPPED
	reason = refused.skip_reason or ""
	assert reason.startswith("Window closed: ") and "never written" in reason and "template" in reason


def test_a_free_text_campaign_to_a_cold_list_is_not_paused_for_its_failure_rate(
	fake_graph: FakeGraphApi, clock: FakeClock
) -> None:
	harness = make_harness(fake_graph, clock, customers_wrote=False)
	harness.campaign(recipients=60)  # nobody wrote: every recipient is outside the window
	harness.service().start("CAMP-1")
	harness.dispatcher().dispatch_device(harness.device.name)
	assert harness.sent_to() == []
	assert {row.state for row in harness.campaigns.recipients("CAMP-1")} == {RecipientState.SKIPPED}
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED


def test_the_web_setting_is_read_as_a_flag_from_settings_values() -> None:
	assert WhatsAppConfig.from_mapping({"enforce_window_for_web": 1}).enforce_window_for_web is True
	assert WhatsAppConfig.from_mapping({"enforce_window_for_web": "0"}).enforce_window_for_web is False
	assert WhatsAppConfig().enforce_window_for_web is False
