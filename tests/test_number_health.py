"""Number health: Meta's phone number node and its webhooks read into `NumberHealth`, the alert
rules, and the reader and service against the fake Graph API (a real HTTP server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from test_webhook_core import load_fixture

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.number_health import (
	NumberHealth,
	apply_update,
	health_incidents,
	parse_phone_number,
	tier_limit,
	unhealthy_reason,
)
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.webhook import parse_webhook
from whatsapp_integration.core.webhook.numbers import NumberUpdate
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.number_health import NumberHealthService, read_number_health
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_numbers import set_number
from whatsapp_integration.testing.memory_number_health import MemoryNumberHealthRepository
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

GREEN_1K = NumberHealth("GREEN", "TIER_1K", "CONNECTED", "APPROVED")


def _body(*changes: tuple[str, dict], waba: str = "WABA1") -> bytes:
	entry = {"id": waba, "changes": [{"field": field, "value": value} for field, value in changes]}
	return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def test_phone_number_node_is_read_as_meta_documents_it() -> None:
	health = parse_phone_number(
		{
			"id": "106540352242922",
			"quality_rating": "YELLOW",
			"messaging_limit_tier": "TIER_10K",
			"status": "CONNECTED",
			"name_status": "APPROVED",
			"display_phone_number": "+1 555-078-3881",
			"verified_name": "Lucky Shrub",
		}
	)
	assert health == NumberHealth(
		"YELLOW", "TIER_10K", "CONNECTED", "APPROVED", "+1 555-078-3881", "Lucky Shrub"
	)


def test_odd_node_values_read_as_unknown_not_errors() -> None:
	assert parse_phone_number({"quality_rating": "PURPLE", "status": 3, "name_status": None}) == NumberHealth(
		status="3"
	)
	assert parse_phone_number("not an object") == NumberHealth()


def test_tiers_are_unique_recipients_per_24_hours() -> None:
	assert [tier_limit(t) for t in ("TIER_250", "TIER_1K", "TIER_2K", "TIER_10K", "TIER_100K")] == [
		250,
		1000,
		2000,
		10_000,
		100_000,
	]
	assert tier_limit("TIER_UNLIMITED") is None
	assert tier_limit("TIER_NOT_SET") is None
	assert tier_limit(None) is None


def test_quality_update_webhook_is_parsed() -> None:
	batch = parse_webhook(
		_body(
			(
				"phone_number_quality_update",
				{
					"display_phone_number": "15550783881",
					"event": "DOWNGRADE",
					"old_limit": "TIER_10K",
					"current_limit": "TIER_1K",
				},
			)
		)
	)
	assert batch.number_updates == [
		NumberUpdate(
			"phone_number_quality_update",
			"DOWNGRADE",
			"WABA1",
			"15550783881",
			current_limit="TIER_1K",
			old_limit="TIER_10K",
		)
	]
	assert batch.ignored_fields == []


def test_quality_update_without_current_limit_reads_the_portfolio_limit() -> None:
	value = {"display_phone_number": "+1 555 078 3881", "event": "UPGRADE"}
	value["max_daily_conversations_per_business"] = "TIER_2K"
	(update,) = parse_webhook(_body(("phone_number_quality_update", value))).number_updates
	assert (update.phone_number, update.current_limit) == ("15550783881", "TIER_2K")


def test_account_update_webhook_is_parsed() -> None:
	value = {
		"phone_number": "15550783881",
		"event": "ACCOUNT_RESTRICTION",
		"restriction_info": [
			{"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": "1764000000"}
		],
	}
	ban = {
		"event": "DISABLED_UPDATE",
		"ban_info": {"waba_ban_state": ["DISABLE"], "waba_ban_date": "2026-12-01"},
	}
	restricted, banned = parse_webhook(
		_body(("account_update", value), ("account_update", ban))
	).number_updates
	assert restricted.details == "RESTRICTED_BIZ_INITIATED_MESSAGING until 1764000000"
	assert restricted.phone_number == "15550783881"
	assert (banned.phone_number, banned.waba_id, banned.ban_state) == (None, "WABA1", "DISABLE")


def test_number_update_without_event_is_skipped() -> None:
	batch = parse_webhook(_body(("account_update", {"phone_number": "1555"})))
	assert (batch.number_updates, batch.skipped) == ([], 1)


def test_mixed_batch_reads_its_number_updates() -> None:
	raw, _ = load_fixture("mixed_batch")
	events = [(u.field, u.event, u.phone_number) for u in parse_webhook(raw).number_updates]
	assert events == [
		("account_update", "VERIFIED_ACCOUNT", "15557654321"),
		("phone_number_quality_update", "FLAGGED", "15557654321"),
	]


def test_updates_change_status_and_tier() -> None:
	flagged = NumberUpdate(NumberUpdate.QUALITY, "FLAGGED", current_limit="TIER_1K")
	assert apply_update(GREEN_1K, flagged).status == "FLAGGED"
	downgrade = NumberUpdate(NumberUpdate.QUALITY, "DOWNGRADE", current_limit="TIER_250", old_limit="TIER_1K")
	assert apply_update(GREEN_1K, downgrade).messaging_limit_tier == "TIER_250"
	banned = NumberUpdate(NumberUpdate.ACCOUNT, "DISABLED_UPDATE", ban_state="DISABLE")
	assert apply_update(GREEN_1K, banned).status == "BANNED"
	verified = NumberUpdate(NumberUpdate.ACCOUNT, "VERIFIED_ACCOUNT")
	assert apply_update(GREEN_1K, verified) == GREEN_1K


def test_a_quality_drop_alerts_and_a_rise_does_not() -> None:
	yellow = NumberHealth("YELLOW", "TIER_1K", "CONNECTED")
	(incident,) = health_incidents("dev-a", GREEN_1K, yellow)
	assert (incident.kind, incident.subject) == ("number_quality:YELLOW", "dev-a")
	assert "YELLOW" in incident.title and "GREEN" in incident.message
	assert health_incidents("dev-a", yellow, GREEN_1K) == []
	red = NumberHealth("RED", "TIER_1K", "CONNECTED")
	assert [i.kind for i in health_incidents("dev-a", yellow, red)] == ["number_quality:RED"]


def test_a_first_check_alerts_only_when_it_finds_trouble() -> None:
	assert health_incidents("dev-a", NumberHealth(), GREEN_1K) == []
	red = NumberHealth("RED", "TIER_1K", "FLAGGED")
	kinds = [i.kind for i in health_incidents("dev-a", NumberHealth(), red)]
	assert kinds == ["number_quality:RED", "number_status:FLAGGED"]


def test_a_limit_change_alerts_either_way() -> None:
	up = NumberHealth("GREEN", "TIER_10K", "CONNECTED")
	(incident,) = health_incidents("dev-a", GREEN_1K, up)
	assert incident.kind == "messaging_limit:TIER_10K"
	assert "TIER_1K" in incident.message and "10,000" in incident.message
	assert [i.kind for i in health_incidents("dev-a", up, GREEN_1K)] == ["messaging_limit:TIER_1K"]


def test_an_account_violation_alerts_with_metas_details() -> None:
	update = NumberUpdate(NumberUpdate.ACCOUNT, "ACCOUNT_VIOLATION", details="SCAM")
	(incident,) = health_incidents("dev-a", GREEN_1K, apply_update(GREEN_1K, update), update)
	assert incident.kind == "number_account:ACCOUNT_VIOLATION"
	assert "SCAM" in incident.message


def test_unhealthy_numbers() -> None:
	assert unhealthy_reason(GREEN_1K, None) is None
	assert unhealthy_reason(NumberHealth("YELLOW", status="FLAGGED"), None) is None
	assert "RED" in (unhealthy_reason(NumberHealth("RED"), None) or "")
	assert "RESTRICTED" in (unhealthy_reason(NumberHealth(status="RESTRICTED"), None) or "")
	assert "expired" in (unhealthy_reason(GREEN_1K, "the access token expired") or "")


# --- the reader and the service against the fake Graph API ------------------------------------


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
	with FakeGraphApi(access_token="TOKEN") as api:
		yield api


def _service(graph: FakeGraphApi, alerts: list[Incident], *devices: DeviceProfile) -> NumberHealthService:
	def reader(device: DeviceProfile) -> NumberHealth:
		client = GraphClient(graph.url + "/v21.0", device.access_token or "", timeout=5)
		return read_number_health(client, device.phone_number_id or "")

	return NumberHealthService(
		MemoryNumberHealthRepository(list(devices)), reader=reader, alert=alerts.append, now=lambda: NOW
	)


def _official(name: str, number_id: str, token: str = "TOKEN", **values: object) -> DeviceProfile:
	return DeviceProfile(
		name, DeviceMode.OFFICIAL, number_id, "WABA1", token, "+15550001" + number_id[-3:], **values
	)


NOW = datetime(2026, 11, 29, 21, 0)


def test_reader_asks_meta_for_the_health_fields(graph: FakeGraphApi) -> None:
	set_number(graph, "111", quality_rating="YELLOW", messaging_limit_tier="TIER_10K", name_status="APPROVED")
	health = read_number_health(GraphClient(graph.url + "/v21.0", "TOKEN", timeout=5), "111")
	assert health == NumberHealth("YELLOW", "TIER_10K", "CONNECTED", "APPROVED")
	(request,) = graph.requests
	assert request.method == "GET" and request.path.endswith("/111")
	assert request.headers["Authorization"] == "Bearer TOKEN"


def test_refresh_stores_each_number_and_alerts_on_a_drop(graph: FakeGraphApi) -> None:
	alerts: list[Incident] = []
	service = _service(graph, alerts, _official("dev-a", "111"), _official("dev-b", "222"))
	set_number(graph, "111", messaging_limit_tier="TIER_1K")
	set_number(graph, "222", messaging_limit_tier="TIER_10K")
	assert [check.error for check in service.refresh_all()] == [None, None]
	assert alerts == []  # a first check of healthy numbers
	set_number(graph, "111", quality_rating="RED", messaging_limit_tier="TIER_250", status="FLAGGED")
	service.refresh_all()
	stored = service.repository.numbers["dev-a"]
	assert stored.health.quality_rating == "RED" and stored.checked_at == NOW
	assert sorted(i.kind for i in alerts) == [
		"messaging_limit:TIER_250",
		"number_quality:RED",
		"number_status:FLAGGED",
	]
	assert {i.subject for i in alerts} == {"dev-a"}


def test_a_refused_token_is_stored_as_the_health_error(graph: FakeGraphApi) -> None:
	alerts: list[Incident] = []
	service = _service(graph, alerts, _official("dev-a", "111", token="OLD"))
	set_number(graph, "111")
	check = service.refresh("dev-a")
	assert check.health is None and not check.passing
	assert "access token" in (check.error or "")
	stored = service.repository.numbers["dev-a"]
	assert stored.error == check.error and stored.health == NumberHealth()
	assert unhealthy_reason(stored.health, stored.error)


def test_a_passing_failure_keeps_what_was_stored(graph: FakeGraphApi) -> None:
	service = _service(graph, [], _official("dev-a", "111"))
	set_number(graph, "111", messaging_limit_tier="TIER_10K")
	service.refresh("dev-a")
	set_number(graph, "111", error={"message": "Service unavailable", "code": 2}, http_status=503)
	check = service.refresh("dev-a")
	assert check.passing and check.health is None
	stored = service.repository.numbers["dev-a"]
	assert stored.health.messaging_limit_tier == "TIER_10K" and stored.error is None


def test_a_webhook_update_changes_the_device_of_that_number(graph: FakeGraphApi) -> None:
	alerts: list[Incident] = []
	service = _service(graph, alerts, _official("dev-a", "111"), _official("dev-b", "222"))
	set_number(graph, "111")
	set_number(graph, "222")
	service.refresh_all()
	number = "15550001222"
	update = NumberUpdate(NumberUpdate.QUALITY, "DOWNGRADE", "WABA1", number, current_limit="TIER_250")
	assert service.apply_update(update) == 1
	assert service.repository.numbers["dev-b"].health.messaging_limit_tier == "TIER_250"
	assert service.repository.numbers["dev-a"].health.messaging_limit_tier == "TIER_1K"
	assert [(i.kind, i.subject) for i in alerts] == [("messaging_limit:TIER_250", "dev-b")]


def test_an_account_update_without_number_concerns_every_number_of_the_account(graph: FakeGraphApi) -> None:
	alerts: list[Incident] = []
	service = _service(graph, alerts, _official("dev-a", "111"), _official("dev-b", "222"))
	update = NumberUpdate(
		NumberUpdate.ACCOUNT, "ACCOUNT_RESTRICTION", "WABA1", details="RESTRICTED_ADD_PHONE_NUMBER_ACTION"
	)
	assert service.apply_update(update) == 2
	assert {service.repository.numbers[d].health.status for d in ("dev-a", "dev-b")} == {"RESTRICTED"}
	assert (
		sorted(i.kind for i in alerts)
		== ["number_account:ACCOUNT_RESTRICTION"] * 2 + ["number_status:RESTRICTED"] * 2
	)
	assert service.apply_update(NumberUpdate(NumberUpdate.ACCOUNT, "ACCOUNT_RESTRICTION", "OTHER")) == 0


def test_the_webhook_service_applies_number_updates_and_alerts(graph: FakeGraphApi) -> None:
	alerts: list[Incident] = []
	devices = [_official("dev-a", "111"), _official("dev-b", "222")]
	health = _service(graph, alerts, *devices)
	webhooks = WebhookService(
		MemoryWebhookRepository(devices), WhatsAppConfig(), number_health=health.apply_update
	)
	quality = {"display_phone_number": "15550001111", "event": "FLAGGED", "current_limit": "TIER_1K"}
	unknown = {"display_phone_number": "4930000000", "event": "UPGRADE", "current_limit": "TIER_10K"}
	result = webhooks.process(
		_body(("phone_number_quality_update", quality), ("phone_number_quality_update", unknown))
	)
	assert (result.number_updates, result.unknown_device_events) == (1, 1)
	stored = health.repository.numbers["dev-a"].health
	assert (stored.status, stored.messaging_limit_tier) == ("FLAGGED", "TIER_1K")
	assert [(i.kind, i.subject) for i in alerts] == [("number_status:FLAGGED", "dev-a")]
	assert "number updates: 1" in result.summary()
