"""Operations core: metric math, health rules, alert de-duplication (memory and real Redis),
Prometheus text, and the token check against the fake Graph API."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ACCESS_TOKEN, PHONE_NUMBER_ID

from whatsapp_integration.core.operations import alerts, analytics, health, metrics, prometheus
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.operations.analytics import FailureCount, StatusCount
from whatsapp_integration.core.operations.health import DEGRADED, DOWN, OK, Check
from whatsapp_integration.repositories.redis_stores import RedisIncidentStore
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_incidents import MemoryIncidentStore


class TestMetrics:
	def test_percentiles_interpolate_between_ranks(self) -> None:
		values = [4.0, 1.0, 3.0, 2.0, 5.0]
		assert metrics.percentile(values, 0.5) == 3.0
		assert metrics.percentile(values, 0.95) == pytest.approx(4.8)
		assert metrics.percentile([7.0], 0.95) == 7.0
		assert metrics.percentile([], 0.5) is None

	def test_percentile_fraction_out_of_range_is_refused(self) -> None:
		with pytest.raises(ValueError):
			metrics.percentile([1.0], 1.5)

	def test_latency_summary_ignores_missing_and_negative_latencies(self) -> None:
		summary = metrics.latency_summary([0.2, None, -1.0, 0.4, 1.0])  # type: ignore[list-item]
		assert (summary.count, summary.p50) == (3, 0.4)
		assert summary.p95 == pytest.approx(0.94)

	def test_rates_count_each_status_as_reaching_the_earlier_ones(self) -> None:
		counts = metrics.OutcomeCounts.from_status_counts(
			{"Queued": 5, "Sent": 10, "Delivered": 20, "Read": 50, "Failed": 20}
		)
		assert (counts.total, counts.reached_sent, counts.finished) == (105, 80, 100)
		assert (counts.success_rate, counts.failure_rate, counts.delivery_rate) == (0.8, 0.2, 0.7)
		assert counts.read_rate == pytest.approx(50 / 70)
		steps = metrics.funnel(counts)
		assert [(step.label, step.count) for step in steps] == [("Sent", 80), ("Delivered", 70), ("Read", 50)]
		assert steps[2].share_of_first == pytest.approx(0.625)

	def test_rates_of_nothing_are_unknown_not_zero(self) -> None:
		counts = metrics.OutcomeCounts(queued=3)
		assert (counts.success_rate, counts.delivery_rate, counts.read_rate) == (None, None, None)
		assert metrics.funnel(counts)[0].share_of_first is None


class TestHealth:
	def test_worst_part_decides(self) -> None:
		assert health.overall([]) == OK
		assert health.overall([Check("a", OK), Check("b", DEGRADED)]) == DEGRADED
		assert health.overall([Check("a", DEGRADED), Check("db", DOWN), Check("c", OK)]) == DOWN

	def test_unknown_status_is_refused(self) -> None:
		with pytest.raises(ValueError):
			Check("a", "fine")

	def test_heartbeat_age(self) -> None:
		assert health.heartbeat_check("host", None, 100.0, 60).status == DEGRADED
		assert health.heartbeat_check("host", 30.0, 100.0, 60).status == DEGRADED
		assert health.heartbeat_check("host", 50.0, 100.0, 60).status == OK

	def test_scheduler_and_workers(self) -> None:
		assert health.scheduler_check(False, 5, 900).status == DEGRADED
		assert health.scheduler_check(True, None, 900).status == DEGRADED
		assert health.scheduler_check(True, 1000, 900).status == DEGRADED
		assert health.scheduler_check(True, 60, 900).status == OK
		assert health.workers_check(0).status == DEGRADED
		assert health.workers_check(2).status == OK

	def test_web_devices_must_be_working_official_ones_not_in_error(self) -> None:
		assert health.device_check("w", "Web", True, "WORKING").status == OK
		assert health.device_check("w", "Web", True, "SCAN_QR_CODE").status == DEGRADED
		assert health.device_check("w", "Web", True, None).status == DEGRADED
		assert health.device_check("w", "Web", False, "FAILED").status == OK
		assert health.device_check("o", "Official", True, "Active").status == OK
		assert health.device_check("o", "Official", True, "Error").status == DEGRADED

	def test_token_check_against_the_graph_api(self) -> None:
		with FakeGraphApi(access_token=ACCESS_TOKEN) as api:
			good = GraphClient(f"{api.url}/v21.0", ACCESS_TOKEN, timeout=5)
			bad = GraphClient(f"{api.url}/v21.0", "expired-token", timeout=5)
			valid = health.token_check(good, PHONE_NUMBER_ID, "Main")
			expired = health.token_check(bad, PHONE_NUMBER_ID, "Main")
			assert api.requests[0].path == f"/v21.0/{PHONE_NUMBER_ID}"
		assert (valid.status, health.is_token_expired(valid)) == (OK, False)
		assert (expired.status, health.is_token_expired(expired)) == (DEGRADED, True)
		assert "expired-token" not in expired.detail

	def test_unreachable_graph_api_is_degraded_but_not_an_expired_token(self) -> None:
		client = GraphClient("http://127.0.0.1:9/v21.0", ACCESS_TOKEN, timeout=1)
		check = health.token_check(client, PHONE_NUMBER_ID, "Main")
		assert (check.status, health.is_token_expired(check)) == (DEGRADED, False)


class Clock:
	def __init__(self) -> None:
		self.now = 1000.0

	def __call__(self) -> float:
		return self.now


INCIDENT = Incident(alerts.DEVICE_FAILURES, "Main", "title", "message")


class TestAlertDeduplication:
	def test_one_incident_is_one_alert_until_it_has_been_gone_for_a_ttl(self) -> None:
		clock = Clock()
		store = MemoryIncidentStore(clock)
		assert alerts.new_incidents([INCIDENT], store, ttl=600) == [INCIDENT]
		for _ in range(5):  # the condition persists for 50 minutes: refreshed, never re-alerted
			clock.now += 599
			assert alerts.new_incidents([INCIDENT], store, ttl=600) == []
		clock.now += 601  # condition gone for a whole TTL
		assert alerts.new_incidents([INCIDENT], store, ttl=600) == [INCIDENT]

	def test_different_subjects_are_different_incidents(self) -> None:
		store = MemoryIncidentStore(Clock())
		other = Incident(alerts.DEVICE_FAILURES, "Second", "t", "m")
		assert alerts.new_incidents([INCIDENT, other], store, 600) == [INCIDENT, other]
		assert alerts.new_incidents([INCIDENT, other], store, 600) == []

	@pytest.mark.redis
	def test_redis_store_shares_open_incidents_between_processes(self, redis_url: str) -> None:
		redis = pytest.importorskip("redis")
		client = redis.Redis.from_url(redis_url)
		prefix = "test:alerts:"
		for key in client.scan_iter(f"{prefix}*"):
			client.delete(key)
		first, second = RedisIncidentStore(client, prefix), RedisIncidentStore(client, prefix)
		assert alerts.new_incidents([INCIDENT], first, 60) == [INCIDENT]
		assert alerts.new_incidents([INCIDENT], second, 60) == []
		assert 0 < client.ttl(f"{prefix}{INCIDENT.key}") <= 60
		client.delete(f"{prefix}{INCIDENT.key}")  # as if the TTL ran out
		assert alerts.new_incidents([INCIDENT], second, 60) == [INCIDENT]


class TestIncidentDetection:
	def test_device_failures_at_or_over_threshold(self) -> None:
		found = alerts.device_failure_incidents({"A": 4, "B": 5, "C": 9}, threshold=5)
		assert [incident.subject for incident in found] == ["B", "C"]
		assert "5 messages from device B failed" in found[0].message

	def test_session_leaving_working(self) -> None:
		previous = {"A": "WORKING", "B": "WORKING", "C": "SCAN_QR_CODE"}
		current = {"A": "WORKING", "B": "FAILED", "C": "FAILED"}
		found = alerts.session_lost_incidents(previous, current)
		assert [(incident.subject, incident.kind) for incident in found] == [("B", alerts.SESSION_LOST)]
		assert [i.subject for i in alerts.session_lost_incidents({"D": "WORKING"}, {})] == ["D"]

	def test_tokens_and_signatures(self) -> None:
		assert [i.subject for i in alerts.token_expired_incidents(["settings", "settings"])] == ["settings"]
		assert alerts.signature_failure_incidents(9, 10) == []
		assert alerts.signature_failure_incidents(10, 10)[0].kind == alerts.SIGNATURE_FAILURES


class TestPrometheus:
	def test_renders_help_type_and_labelled_samples(self) -> None:
		family = prometheus.MetricFamily(
			"whatsapp_messages",
			"Outbound messages by status.\nLast 24 h",
			prometheus.GAUGE,
			(
				prometheus.Sample(12, {"status": "Sent", "device": 'Main "1"\\'}),
				prometheus.Sample(0.25, {"status": "Failed", "device": "Main"}),
				prometheus.Sample(None, {"status": "Read", "device": "Main"}),
			),
		)
		assert prometheus.render([family]) == (
			"# HELP whatsapp_messages Outbound messages by status.\\nLast 24 h\n"
			"# TYPE whatsapp_messages gauge\n"
			'whatsapp_messages{device="Main \\"1\\"\\\\",status="Sent"} 12\n'
			'whatsapp_messages{device="Main",status="Failed"} 0.25\n'
		)

	def test_special_values_and_counters(self) -> None:
		family = prometheus.MetricFamily(
			"whatsapp_webhook_rejections_total",
			"x",
			prometheus.COUNTER,
			(prometheus.Sample(float("inf")), prometheus.Sample(float("nan"), {"reason": "a"})),
		)
		assert prometheus.render([family]).splitlines()[2:] == [
			"whatsapp_webhook_rejections_total +Inf",
			'whatsapp_webhook_rejections_total{reason="a"} NaN',
		]

	@pytest.mark.parametrize("name", ["9lives", "has-dash", "with space"])
	def test_invalid_names_are_refused(self, name: str) -> None:
		with pytest.raises(ValueError):
			prometheus.MetricFamily(name, "x")
		with pytest.raises(ValueError):
			prometheus.MetricFamily("ok_name", "x", samples=(prometheus.Sample(1, {name: "v"}),))


class TestAnalytics:
	def test_groups_become_rows_chart_summary_and_funnel(self) -> None:
		day1, day2 = date(2026, 3, 1), date(2026, 3, 2)
		groups = [
			StatusCount(day1, "A", "Sent", 2),
			StatusCount(day1, "A", "Read", 3),
			StatusCount(day1, "B", "Failed", 1),
			StatusCount(day2, "A", "Delivered", 4),
			StatusCount(day2, "A", "Queued", 1),
			StatusCount(day2, "A", "Received", 2),
		]
		failures = [FailureCount(131026, "Message undeliverable", 1), FailureCount(190, "Expired", 5)]
		result = analytics.build(groups, failures)
		assert [(row["day"], row["device"], row["total"]) for row in result.rows] == [
			(day1, "A", 5),
			(day1, "B", 1),
			(day2, "A", 7),
		]
		first = result.rows[0]
		assert (first["sent"], first["delivered"], first["read"], first["delivery_rate"]) == (5, 3, 3, 60.0)
		assert result.rows[1]["delivery_rate"] == 0.0
		assert (result.totals.reached_sent, result.totals.failed, result.totals.queued) == (9, 1, 1)
		assert (result.received, result.message_count, result.rows[2]["received"]) == (2, 13, 2)
		assert [step.count for step in result.funnel] == [9, 7, 3]
		assert [failure.code for failure in result.failures] == [190, 131026]
		assert "expired" in (result.failures[0].advice or "")
		chart = result.chart()
		assert chart["data"]["labels"] == ["2026-03-01", "2026-03-02"]
		values = {dataset["name"]: dataset["values"] for dataset in chart["data"]["datasets"]}
		assert values == {
			"Sent": [2, 0],
			"Delivered": [0, 4],
			"Read": [3, 0],
			"Failed": [1, 0],
			"Queued": [0, 1],
			"Received": [0, 2],
		}

	def test_no_messages_gives_empty_figures(self) -> None:
		result = analytics.build([], [])
		assert (result.rows, result.totals.total, result.chart()["data"]["labels"]) == ([], 0, [])
		assert analytics.percent(result.totals.delivery_rate) is None


class TestCounterIncrease:
	def test_growth_within_the_window_from_the_last_sample_before_it(self) -> None:
		samples = [(0.0, 5.0), (1000.0, 8.0), (3000.0, 10.0), (4000.0, 14.0)]
		assert metrics.increase(samples, now=4600.0, window=3600.0) == 6.0  # from 8 (t=1000) to 14
		assert metrics.increase(samples, now=4000.0, window=10_000.0) == 9.0

	def test_a_reset_counts_from_zero_and_one_sample_is_no_growth(self) -> None:
		assert metrics.increase([(0.0, 50.0), (10.0, 3.0), (20.0, 7.0)], now=20.0, window=60.0) == 7.0
		assert metrics.increase([(0.0, 50.0)], now=20.0, window=60.0) == 0.0
		assert metrics.increase([], now=20.0, window=60.0) == 0.0
