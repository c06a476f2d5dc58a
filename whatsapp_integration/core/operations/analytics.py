"""Shapes the message-analytics aggregates (rows already grouped by SQL) into report rows,
a chart, summary figures, the funnel and the failure breakdown. Pure data in, data out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from whatsapp_integration.core.errors import advice_for
from whatsapp_integration.core.operations.metrics import FunnelStep, OutcomeCounts, funnel
from whatsapp_integration.core.vocabulary import MessageStatus

CHART_STATUSES = (
	MessageStatus.SENT,
	MessageStatus.DELIVERED,
	MessageStatus.READ,
	MessageStatus.FAILED,
	MessageStatus.QUEUED,
	MessageStatus.RECEIVED,
)
CHART_COLORS = {
	MessageStatus.SENT: "#5e64ff",
	MessageStatus.DELIVERED: "#29cd42",
	MessageStatus.READ: "#00a2a8",
	MessageStatus.FAILED: "#ff5858",
	MessageStatus.QUEUED: "#ffa00a",
	MessageStatus.RECEIVED: "#b8c2cc",
}


@dataclass(frozen=True)
class StatusCount:
	"""One SQL group: messages of `device` with `status` created on `day`."""

	day: date
	device: str | None
	status: str
	count: int


@dataclass(frozen=True)
class FailureCount:
	code: int | None
	title: str | None
	count: int

	@property
	def advice(self) -> str | None:
		return advice_for(self.code)


@dataclass
class Analytics:
	rows: list[dict[str, Any]]
	totals: OutcomeCounts
	per_day: dict[date, dict[str, int]]
	funnel: list[FunnelStep]
	failures: list[FailureCount] = field(default_factory=list)
	received: int = 0

	@property
	def message_count(self) -> int:
		"""Every message in the period, inbound ones included."""
		return self.totals.total + self.received

	def chart(self) -> dict[str, Any]:
		"""Frappe chart: messages per day, one stacked bar dataset per status."""
		days = sorted(self.per_day)
		datasets = [
			{"name": status, "values": [self.per_day[day].get(status, 0) for day in days]}
			for status in CHART_STATUSES
		]
		return {
			"data": {"labels": [day.isoformat() for day in days], "datasets": datasets},
			"type": "bar",
			"barOptions": {"stacked": True},
			"colors": [CHART_COLORS[status] for status in CHART_STATUSES],
		}


def build(groups: Iterable[StatusCount], failures: Iterable[FailureCount]) -> Analytics:
	by_day_device: dict[tuple[date, str | None], dict[str, int]] = defaultdict(dict)
	by_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
	overall: dict[str, int] = defaultdict(int)
	for group in groups:
		by_day_device[(group.day, group.device)][group.status] = group.count
		by_day[group.day][group.status] += group.count
		overall[group.status] += group.count
	totals = OutcomeCounts.from_status_counts(overall)
	rows = [_row(day, device, counts) for (day, device), counts in sorted(by_day_device.items(), key=_order)]
	per_day = {day: dict(counts) for day, counts in by_day.items()}
	failures_by_count = sorted(failures, key=lambda f: -f.count)
	return Analytics(
		rows, totals, per_day, funnel(totals), failures_by_count, overall.get(MessageStatus.RECEIVED, 0)
	)


def _order(item: tuple[tuple[date, str | None], Mapping[str, int]]) -> tuple[date, str]:
	(day, device), _counts = item
	return (day, device or "")


def _row(day: date, device: str | None, status_counts: Mapping[str, int]) -> dict[str, Any]:
	counts = OutcomeCounts.from_status_counts(status_counts)
	return {
		"day": day,
		"device": device,
		"total": sum(status_counts.values()),
		"queued": counts.queued,
		"sent": counts.reached_sent,
		"delivered": counts.reached_delivered,
		"read": counts.read,
		"failed": counts.failed,
		"received": status_counts.get(MessageStatus.RECEIVED, 0),
		"delivery_rate": percent(counts.delivery_rate),
		"read_rate": percent(counts.read_rate),
	}


def percent(rate: float | None) -> float | None:
	"""A 0..1 rate as a percentage with one decimal (None stays None)."""
	return None if rate is None else round(rate * 100, 1)
