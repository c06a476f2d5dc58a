"""Figures of the WhatsApp workspace's number cards.

All cards share one cached computation (`stats_cache_ttl`), so opening the workspace costs a few
grouped queries at most once per TTL, whatever the number of users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from frappe.utils import now_datetime

from whatsapp_integration.core.operations.analytics import percent
from whatsapp_integration.core.operations.health import OK, device_check
from whatsapp_integration.core.operations.metrics import OutcomeCounts, latency_summary
from whatsapp_integration.operations.health import device_states
from whatsapp_integration.operations.stats_cache import cached
from whatsapp_integration.repositories import analytics


def stats() -> dict[str, Any]:
	"""The figures over the Message Log rows the user may read, cached per permission scope (every
	user who may read all rows shares one entry; a WhatsApp User has their own)."""
	visible, scope = analytics.readable_scope()
	return cached(f"dashboard:{scope}", lambda: _compute(visible))


def _compute(visible: str) -> dict[str, Any]:
	now = now_datetime()
	today = now.replace(hour=0, minute=0, second=0, microsecond=0)
	week = _totals(analytics.outbound_status_counts_since(now - timedelta(days=7), visible))
	day = _totals(analytics.outbound_status_counts_since(now - timedelta(hours=24), visible))
	latencies = [
		value
		for values in analytics.send_latencies_since(now - timedelta(hours=24), visible).values()
		for value in values
	]
	working = [
		device
		for device in device_states()
		if device.enabled
		and device_check(device.name, device.mode, device.enabled, device.state).status == OK
	]
	return {
		"sent_today": _totals(analytics.outbound_status_counts_since(today, visible)).reached_sent,
		"delivery_rate_7_days": percent(week.delivery_rate) or 0,
		"failed_24_hours": day.failed,
		"devices_working": len(working),
		"send_latency_p95": round(latency_summary(latencies).p95 or 0, 2),
		"queue_depth": sum(analytics.queue_depth(visible).values()),
	}


def _totals(by_device_status: dict[tuple[str | None, str], int]) -> OutcomeCounts:
	totals: dict[str, int] = {}
	for (_device, status), count in by_device_status.items():
		totals[status] = totals.get(status, 0) + count
	return OutcomeCounts.from_status_counts(totals)
