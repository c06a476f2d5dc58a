"""Multi-device campaigns: the routing rules (capacity, stickiness, unhealthy devices, next-day
carry-over) and a campaign sent through two devices of the fake Graph API (a real HTTP server)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta

import pytest
from campaign_harness import CampaignHarness, make_harness, numbers
from conftest import FakeClock, make_device

from whatsapp_integration.core.campaign.routing import (
	DeviceStanding,
	DeviceUsage,
	RoutingDevice,
	quotas,
	remaining_capacity,
	route,
	unusable_reason,
)
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode, MessageStatus, RecipientState
from whatsapp_integration.services.campaign_routing import CampaignRouter
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_campaign_routing import MemoryRoutingRepository

CAPACITY = {"seconds_left_today": 36_000.0, "web_gap_seconds": 10.0, "web_daily_cap": 200}
GREEN = NumberHealth("GREEN", "TIER_1K", "CONNECTED")


# --- the rules ------------------------------------------------------------------------------


def test_official_capacity_is_the_tier_less_unique_recipients_and_what_is_assigned() -> None:
	usage = DeviceUsage(sent_today=400, unique_recipients_24h=300, assigned_open=100)
	assert remaining_capacity(DeviceMode.OFFICIAL, "TIER_1K", 0, usage, **CAPACITY) == 600
	assert remaining_capacity(DeviceMode.OFFICIAL, "TIER_1K", 450, usage, **CAPACITY) == 0  # own cap
	assert remaining_capacity(DeviceMode.OFFICIAL, "TIER_UNLIMITED", 0, usage, **CAPACITY) is None
	assert remaining_capacity(DeviceMode.OFFICIAL, "TIER_250", 0, usage, **CAPACITY) == 0


def test_web_capacity_is_its_caps_and_its_pacing_until_midnight() -> None:
	usage = DeviceUsage(sent_today=50)
	assert remaining_capacity(DeviceMode.WEB, None, 0, usage, **CAPACITY) == 150  # Settings' Web cap
	assert remaining_capacity(DeviceMode.WEB, None, 80, usage, **CAPACITY) == 30  # device cap
	late = {**CAPACITY, "seconds_left_today": 600.0}
	assert remaining_capacity(DeviceMode.WEB, None, 0, usage, **late) == 60  # 600 s at one per 10 s


def test_recipients_spread_by_remaining_capacity() -> None:
	assert quotas(1000, [DeviceStanding("a", 300), DeviceStanding("b", 1000)]) == {"a": 231, "b": 769}
	assert quotas(1000, [DeviceStanding("a", 300), DeviceStanding("b", 500)]) == {"a": 300, "b": 500}
	assert quotas(10, [DeviceStanding("a", None), DeviceStanding("b", 5)]) == {"a": 7, "b": 3}
	assert quotas(5, [DeviceStanding("a", 0), DeviceStanding("b", 0)]) == {"a": 0, "b": 0}


def test_route_keeps_capacity_and_carries_the_rest_over() -> None:
	rows = [(f"r{i}", f"+1{i}") for i in range(10)]
	routing = route(rows, [DeviceStanding("a", 3), DeviceStanding("b", 4)], {})
	assert Counter(routing.assigned.values()) == {"a": 3, "b": 4}
	assert routing.waiting == ["r7", "r8", "r9"]


def test_a_recipient_stays_on_the_device_it_talked_to() -> None:
	rows = [("r0", "+10"), ("r1", "+11"), ("r2", "+12")]
	devices = [DeviceStanding("a", 10), DeviceStanding("b", 1)]
	routing = route(rows, devices, {"+11": "b", "+12": "b"})
	assert routing.assigned["r1"] == "b"
	# b is full after r1: r2 waits for it rather than moving to a
	assert routing.waiting == ["r2"] and routing.assigned["r0"] == "a"


def test_unhealthy_devices_take_nobody_and_lose_their_history_claim() -> None:
	rows = [("r0", "+10"), ("r1", "+11")]
	devices = [DeviceStanding("a", 0, "its quality rating is RED (low)"), DeviceStanding("b", 5)]
	assert route(rows, devices, {"+10": "a"}).assigned == {"r0": "b", "r1": "b"}


def test_what_makes_a_device_unusable() -> None:
	assert unusable_reason(DeviceMode.OFFICIAL, True, None, GREEN, None) is None
	assert unusable_reason(DeviceMode.OFFICIAL, False, None, GREEN, None) == "disabled"
	assert "RED" in (unusable_reason(DeviceMode.OFFICIAL, True, None, NumberHealth("RED"), None) or "")
	token = unusable_reason(DeviceMode.OFFICIAL, True, None, GREEN, "Meta error 190: token expired")
	assert token and "190" in token
	assert "FAILED" in (unusable_reason(DeviceMode.WEB, True, "FAILED", NumberHealth(), None) or "")
	assert unusable_reason(DeviceMode.WEB, True, "WORKING", NumberHealth(), None) is None


# --- a campaign through two devices of the fake Graph API ----------------------------------


@pytest.fixture
def two(fake_graph: FakeGraphApi) -> CampaignHarness:
	clock = FakeClock(datetime(2026, 3, 2, 10, 0, 0))
	harness = make_harness(fake_graph, clock)
	harness.messages.add_device(make_device("dev-b", phone_number_id="222", phone_number="+15550100002"))
	routing = MemoryRoutingRepository(
		harness.campaigns,
		harness.messages,
		[
			RoutingDevice(harness.device.name, DeviceMode.OFFICIAL, True, daily_cap=30, health=GREEN),
			RoutingDevice("dev-b", DeviceMode.OFFICIAL, True, health=NumberHealth("GREEN", "TIER_50")),
		],
	)
	harness.router = CampaignRouter(routing, harness.campaigns, config=harness.config(), now=clock.now)
	return harness


def _multi(harness: CampaignHarness, recipients: int) -> str:
	harness.campaign("CAMP-M", recipients, devices=(harness.device.name, "dev-b"))
	harness.service().start("CAMP-M")
	return "CAMP-M"


def _dispatch_all(harness: CampaignHarness) -> None:
	for device in (harness.device.name, "dev-b"):
		harness.dispatcher().dispatch_device(device, until=None)


def _sent_per_number_id(graph: FakeGraphApi) -> Counter[str]:
	return Counter(request.path.split("/")[-2] for request in graph.message_requests())


def test_two_devices_send_each_recipient_once_within_their_capacities(two: CampaignHarness) -> None:
	name = _multi(two, 100)
	_dispatch_all(two)
	sent = two.sent_to()
	assert len(sent) == len(set(sent)) == 80  # 30 (daily cap) + 50 (TIER_50)
	assert _sent_per_number_id(two.graph) == {two.device.phone_number_id: 30, "222": 50}
	campaign = two.campaigns.get_campaign(name)
	assert campaign.status == CampaignStatus.RUNNING  # waits, does not fail
	assert campaign.status_reason and campaign.status_reason.startswith("20 recipients wait for capacity")
	devices = two.service().progress(name)["devices"]
	assert devices[two.device.name] == {RecipientState.SENT: 30}
	assert devices["dev-b"] == {RecipientState.SENT: 50}
	assert devices[""] == {RecipientState.PENDING: 20}


def test_the_rest_goes_out_the_next_day_and_the_campaign_completes(two: CampaignHarness) -> None:
	name = _multi(two, 100)
	_dispatch_all(two)
	two.clock.advance(24 * 3600)
	report = two.router.route(two.campaigns.get_campaign(name))
	assert report.waiting == 0 and sum(report.assigned.values()) == 20
	assert two.campaigns.get_campaign(name).status_reason is None
	_dispatch_all(two)
	sent = two.sent_to()
	assert len(sent) == len(set(sent)) == 100
	assert two.campaigns.get_campaign(name).status == CampaignStatus.COMPLETED


def test_a_recipient_who_talked_to_a_device_is_sent_from_it(two: CampaignHarness) -> None:
	first = numbers(1)[0].number
	earlier = datetime(2026, 3, 1, 9, 0)
	two.messages.insert_message(
		MessageRecord(device="dev-b", to_number=first, status=MessageStatus.READ, created_at=earlier)
	)
	name = _multi(two, 4)
	rows = {row.number: row.device for row in two.campaigns.recipients(name)}
	assert rows[first] == "dev-b"
	_dispatch_all(two)
	to_b = [r.body["to"] for r in two.graph.message_requests() if "/222/" in r.path]
	assert first.lstrip("+") in to_b


def test_a_red_device_is_skipped_and_its_pending_recipients_move(two: CampaignHarness) -> None:
	routing = two.router.repository
	routing.set_health(two.device.name, NumberHealth("RED", "TIER_1K", "CONNECTED"))
	name = _multi(two, 10)
	assert {row.device for row in two.campaigns.recipients(name)} == {"dev-b"}
	routing.set_health(two.device.name, GREEN)
	routing.unassign(name, "dev-b")
	two.router.route(two.campaigns.get_campaign(name))
	assert {row.device for row in two.campaigns.recipients(name)} == {two.device.name, "dev-b"}
	routing.set_health("dev-b", NumberHealth("GREEN", "TIER_50"), "Meta error 190: the access token expired")
	report = two.router.route(two.campaigns.get_campaign(name))
	assert "dev-b" in report.unusable
	assert {row.device for row in two.campaigns.recipients(name)} == {two.device.name}


def test_without_healthy_devices_recipients_wait_and_the_reason_names_them(two: CampaignHarness) -> None:
	routing = two.router.repository
	routing.set_health(two.device.name, NumberHealth("RED"))
	routing.set_health("dev-b", GREEN, "Meta error 190: the access token expired")
	name = _multi(two, 5)
	_dispatch_all(two)
	assert two.sent_to() == []
	reason = two.campaigns.get_campaign(name).status_reason or ""
	assert reason.startswith("5 recipients wait") and "RED" in reason and "190" in reason


def test_a_single_device_campaign_is_not_routed(two: CampaignHarness) -> None:
	two.campaign("CAMP-1", 5)
	two.service().start("CAMP-1")
	assert {row.device for row in two.campaigns.recipients("CAMP-1")} == {None}
	two.dispatcher().dispatch_device(two.device.name, until=None)
	assert len(two.sent_to()) == 5
	assert two.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED


def test_unique_recipients_of_the_last_24_hours_count_against_the_tier(two: CampaignHarness) -> None:
	sent_at = two.clock.now() - timedelta(hours=2)
	for index in range(45):
		record = MessageRecord(device="dev-b", to_number=f"+4930000{index:04d}", created_at=sent_at)
		two.messages.insert_message(record)
	assert two.router.standing("dev-b").remaining == 5
	two.clock.advance(23 * 3600)
	assert two.router.standing("dev-b").remaining == 50


def test_a_failed_message_is_no_conversation(two: CampaignHarness) -> None:
	first = numbers(1)[0].number
	two.messages.insert_message(
		MessageRecord(
			device="dev-b", to_number=first, status=MessageStatus.FAILED, created_at=datetime(2026, 3, 1)
		)
	)
	routing = two.router.repository
	assert routing.last_devices([first], ["dev-b", two.device.name]) == {}


def test_resume_routes_what_waited_at_once(two: CampaignHarness) -> None:
	name = _multi(two, 100)
	_dispatch_all(two)
	two.service().pause(name)
	two.clock.advance(24 * 3600)
	two.service().resume(name)
	assert two.router.repository.unrouted(name) == []
	assert two.campaigns.get_campaign(name).status_reason is None


def test_a_device_that_cannot_send_does_not_pause_the_others(two: CampaignHarness) -> None:
	name = _multi(two, 10)
	two.messages.add_device(make_device("dev-b", phone_number_id="222", enabled=False))
	routing = two.router.repository
	routing.devices["dev-b"] = dataclasses.replace(routing.devices["dev-b"], enabled=False)
	two.dispatcher().dispatch_device("dev-b", until=None)
	assert two.campaigns.get_campaign(name).status == CampaignStatus.RUNNING
	assert two.notifications == []
	report = two.router.route(two.campaigns.get_campaign(name))
	assert report.unusable == {"dev-b": "disabled"}
	_dispatch_all(two)
	assert len(set(two.sent_to())) == 10
	assert two.campaigns.get_campaign(name).status == CampaignStatus.COMPLETED
