"""`bench whatsapp doctor`'s checks against the fake Graph API (debug_token, the phone number
node, subscribed_apps): an expired token, an app not subscribed, a low quality rating, and the
site's own parts; every finding not ok names its fix, and a failure makes the exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from conftest import ACCESS_TOKEN, make_config

from whatsapp_integration.core.operations.doctor import FAILURE, OK, WARNING, Finding, exit_code
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.doctor import Doctor, DoctorDevice, InboxBacklog
from whatsapp_integration.testing import fake_graph_doctor, fake_graph_numbers
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_doctor import MemoryDoctorReaders

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
SHOP = DoctorDevice(
	"Shop", DeviceMode.OFFICIAL, True, phone_number_id="111222333", waba_id="999888777", is_default=True
)


@pytest.fixture
def graph(fake_graph: FakeGraphApi) -> Iterator[FakeGraphApi]:
	fake_graph_doctor.reset(fake_graph)
	with fake_graph.state.lock:
		fake_graph.state.area(fake_graph_numbers.AREA).clear()
	fake_graph_numbers.set_number(fake_graph, SHOP.phone_number_id or "")  # GREEN, TIER_1K, CONNECTED
	yield fake_graph
	fake_graph_doctor.reset(fake_graph)


def run(graph: FakeGraphApi, readers: MemoryDoctorReaders, **config: object) -> dict[str, Finding]:
	settings = make_config(graph, **{"app_secret": "s3cret", "webhook_verify_token": "verify", **config})
	doctor = Doctor(
		readers,
		settings,
		graph=lambda token: GraphClient(settings.graph_api_root, token, timeout=5),
		now=lambda: NOW,
	)
	findings = doctor.run()
	assert all(finding.fix for finding in findings if finding.status != OK), findings
	assert all(ACCESS_TOKEN not in str(finding) for finding in findings)
	return {finding.check: finding for finding in findings}


def readers(*devices: DoctorDevice, **values: object) -> MemoryDoctorReaders:
	values = {"settings_token": ACCESS_TOKEN, **values}
	return MemoryDoctorReaders(list(devices or [SHOP]), **values)  # type: ignore[arg-type]


def test_a_healthy_site_is_all_ok(graph: FakeGraphApi) -> None:
	findings = run(graph, readers())
	assert {name: f.status for name, f in findings.items()} == {
		"settings": OK,
		"app_secret": OK,
		"verify_token": OK,
		"scheduler": OK,
		"workers": OK,
		"webhook_inbox": OK,
		"token:Shop": OK,
		"number:Shop": OK,
		"subscribed:Shop": OK,
	}
	assert findings["token:Shop"].detail == "Valid; never expires."
	assert "quality GREEN" in findings["number:Shop"].detail and "TIER_1K" in findings["number:Shop"].detail
	assert exit_code(findings.values()) == 0
	paths = [request.path for request in graph.requests]
	assert paths == ["/v21.0/debug_token", "/v21.0/111222333", "/v21.0/999888777/subscribed_apps"]


def test_an_expired_token_fails_with_its_fix(graph: FakeGraphApi) -> None:
	expired = int((NOW - timedelta(hours=2)).timestamp())
	fake_graph_doctor.set_token(graph, ACCESS_TOKEN, is_valid=False, expires_at=expired)
	finding = run(graph, readers())["token:Shop"]
	assert finding.status == FAILURE and "Session has expired" in finding.detail
	assert "permanent system-user token" in finding.fix


def test_a_token_expiring_soon_warns_with_the_date(graph: FakeGraphApi) -> None:
	soon = int((NOW + timedelta(days=2)).timestamp())
	fake_graph_doctor.set_token(graph, ACCESS_TOKEN, expires_at=soon)
	finding = run(graph, readers())["token:Shop"]
	assert finding.status == WARNING and "2026-03-04 10:00 UTC" in finding.detail
	fake_graph_doctor.set_token(graph, ACCESS_TOKEN, scopes=["whatsapp_business_management"])
	assert "whatsapp_business_messaging" in run(graph, readers())["token:Shop"].detail


def test_an_app_not_subscribed_fails(graph: FakeGraphApi) -> None:
	fake_graph_doctor.set_subscribed(graph, SHOP.waba_id or "", [])
	findings = run(graph, readers())
	assert findings["subscribed:Shop"].status == FAILURE
	assert "999888777/subscribed_apps" in findings["subscribed:Shop"].fix
	assert exit_code(findings.values()) == 1
	no_waba = DoctorDevice("Shop", DeviceMode.OFFICIAL, True, phone_number_id="111222333")
	assert run(graph, readers(no_waba))["subscribed:Shop"].status == WARNING


def test_low_quality_warns_at_yellow_and_fails_at_red(graph: FakeGraphApi) -> None:
	fake_graph_numbers.set_number(graph, SHOP.phone_number_id or "", quality_rating="YELLOW")
	assert run(graph, readers())["number:Shop"].status == WARNING
	fake_graph_numbers.set_number(
		graph, SHOP.phone_number_id or "", quality_rating="RED", messaging_limit_tier="TIER_250"
	)
	finding = run(graph, readers())["number:Shop"]
	assert finding.status == FAILURE and "TIER_250" in finding.detail
	fake_graph_numbers.set_number(graph, SHOP.phone_number_id or "", status="FLAGGED")
	assert "status FLAGGED" in run(graph, readers())["number:Shop"].detail


def test_meta_refusing_a_check_is_that_check_failing(graph: FakeGraphApi) -> None:
	error = {"message": "Unsupported get request", "type": "GraphMethodException", "code": 100}
	fake_graph_numbers.set_number(graph, SHOP.phone_number_id or "", error=error, http_status=400)
	findings = run(graph, readers())
	assert findings["number:Shop"].status == FAILURE and "Meta error 100" in findings["number:Shop"].detail
	assert findings["token:Shop"].status == OK and findings["subscribed:Shop"].status == OK


def test_settings_and_site_parts(graph: FakeGraphApi) -> None:
	web = DoctorDevice("Desk", DeviceMode.WEB, True, web_state="SCAN_QR_CODE")
	sandbox = DoctorDevice("Demo", DeviceMode.SANDBOX, True, phone_number_id="sandbox-x")
	site = readers(
		SHOP,
		web,
		sandbox,
		settings_token="",
		scheduler_state=(False, None),
		workers=0,
		heartbeat=None,
		backlog=InboxBacklog(250, 1200.0, 0),
	)
	findings = run(graph, site, webhook_verify_token="")
	statuses = {name: finding.status for name, finding in findings.items()}
	assert statuses == {
		"settings": FAILURE,
		"app_secret": OK,
		"verify_token": FAILURE,
		"scheduler": FAILURE,
		"workers": FAILURE,
		"webhook_inbox": WARNING,
		"session_host": FAILURE,
		"session:Desk": WARNING,
		"sandbox:Demo": OK,
	}
	assert (
		"bench worker" in findings["workers"].fix
		and "whatsapp link --device 'Desk'" in findings["session:Desk"].fix
	)
	assert graph.requests == []  # no token: nothing asked of Meta
	web_only = readers(web, heartbeat=120.0)
	assert run(graph, web_only)["session_host"].status == FAILURE
	assert run(graph, readers(web, heartbeat=5.0))["session_host"].status == OK
	failed_inbox = readers(backlog=InboxBacklog(3, 10.0, 2))
	assert run(graph, failed_inbox)["webhook_inbox"].status == FAILURE
	no_default = readers(DoctorDevice("Demo", DeviceMode.SANDBOX, True, phone_number_id="sandbox-x"))
	assert run(graph, no_default)["settings"].status == WARNING
	assert run(graph, MemoryDoctorReaders())["settings"].detail == "No WhatsApp Device is enabled."
