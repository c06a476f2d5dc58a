"""The app's metrics (last 24 hours): success and failure rates, send latency p50/p95 per device,
queue depth, webhook rejections; as data for the workspace and as Prometheus families."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from frappe.utils import now_datetime

from whatsapp_integration.core.operations.metrics import LatencySummary, OutcomeCounts, latency_summary
from whatsapp_integration.core.operations.prometheus import COUNTER, GAUGE, MetricFamily, Sample
from whatsapp_integration.operations.stats_cache import cached
from whatsapp_integration.operations.webhook_rejections import rejection_counts
from whatsapp_integration.repositories import analytics

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DeviceMetrics:
	device: str
	counts: OutcomeCounts
	latency: LatencySummary
	queued_now: int


@dataclass(frozen=True)
class SiteMetrics:
	devices: list[DeviceMetrics]
	webhook_rejections: dict[str, int] = field(default_factory=dict)


def collect() -> SiteMetrics:
	"""Database aggregates are cached for `stats_cache_ttl`; the rejection counters are live."""
	return SiteMetrics(cached("metrics:devices", _device_metrics), webhook_rejections())


def _device_metrics() -> list[DeviceMetrics]:
	since = now_datetime() - WINDOW
	by_device: dict[str, dict[str, int]] = defaultdict(dict)
	for (device, status), count in analytics.outbound_status_counts_since(since).items():
		by_device[device or ""][status] = count
	latencies = analytics.send_latencies_since(since)
	queued = analytics.queue_depth()
	names = sorted(set(by_device) | set(latencies) | set(queued))
	return [
		DeviceMetrics(
			name,
			OutcomeCounts.from_status_counts(by_device.get(name, {})),
			latency_summary(latencies.get(name, [])),
			queued.get(name, 0),
		)
		for name in names
	]


def webhook_rejections() -> dict[str, int]:
	"""Refused webhook requests by reason (none when Redis cannot be read)."""
	try:
		return rejection_counts()
	except Exception:
		return {}


def families(metrics: SiteMetrics) -> list[MetricFamily]:
	devices = metrics.devices
	return [
		_per_device(
			"whatsapp_messages_24h", "Outbound messages created in the last 24 h, by status.", devices
		),
		_gauge(
			"whatsapp_send_success_ratio",
			"Share of finished sends (last 24 h) that reached WhatsApp.",
			[Sample(d.counts.success_rate, {"device": d.device}) for d in devices],
		),
		_gauge(
			"whatsapp_send_failure_ratio",
			"Share of finished sends (last 24 h) that failed.",
			[Sample(d.counts.failure_rate, {"device": d.device}) for d in devices],
		),
		_gauge(
			"whatsapp_send_latency_seconds",
			"Seconds from queueing to sent (last 24 h), p50 and p95.",
			[
				Sample(value, {"device": d.device, "quantile": quantile})
				for d in devices
				for quantile, value in (("0.5", d.latency.p50), ("0.95", d.latency.p95))
			],
		),
		_gauge(
			"whatsapp_queue_depth",
			"Messages waiting in the outbox (status Queued).",
			[Sample(d.queued_now, {"device": d.device}) for d in devices],
		),
		MetricFamily(
			"whatsapp_webhook_rejections_total",
			"Webhook requests refused, by reason (since Redis was last cleared).",
			COUNTER,
			tuple(
				Sample(count, {"reason": reason})
				for reason, count in sorted(metrics.webhook_rejections.items())
			),
		),
	]


def _gauge(name: str, help_text: str, samples: list[Sample]) -> MetricFamily:
	return MetricFamily(name, help_text, GAUGE, tuple(samples))


def _per_device(name: str, help_text: str, devices: list[DeviceMetrics]) -> MetricFamily:
	samples = []
	for d in devices:
		counts = d.counts
		for status, value in (
			("Queued", counts.queued),
			("Sent", counts.sent),
			("Delivered", counts.delivered),
			("Read", counts.read),
			("Failed", counts.failed),
		):
			samples.append(Sample(value, {"device": d.device, "status": status}))
	return _gauge(name, help_text, samples)
