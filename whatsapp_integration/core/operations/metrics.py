"""Metric math over Message Log aggregates: rates, the delivery funnel and latency percentiles.

Statuses only move forward (`core.status`), so a Read message was also delivered and sent:
the funnel counts each step as "reached at least this status".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from whatsapp_integration.core.vocabulary import MessageStatus


def percentile(values: Sequence[float], fraction: float) -> float | None:
	"""The `fraction` (0..1) percentile with linear interpolation between ranks (numpy's
	default); None for no values."""
	if not 0.0 <= fraction <= 1.0:
		raise ValueError(f"A percentile fraction must be between 0 and 1, not {fraction!r}.")
	if not values:
		return None
	ordered = sorted(values)
	position = (len(ordered) - 1) * fraction
	lower, upper = math.floor(position), math.ceil(position)
	weight = position - lower
	return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


@dataclass(frozen=True)
class LatencySummary:
	count: int
	p50: float | None
	p95: float | None


def latency_summary(seconds: Sequence[float]) -> LatencySummary:
	"""p50/p95 of send latencies (seconds from a row's creation to its `sent_at`)."""
	usable = [value for value in seconds if value is not None and value >= 0]
	return LatencySummary(len(usable), percentile(usable, 0.5), percentile(usable, 0.95))


def ratio(part: float, whole: float) -> float | None:
	"""`part / whole`, or None when there is nothing to divide (a rate of no messages is unknown)."""
	return part / whole if whole else None


@dataclass(frozen=True)
class OutcomeCounts:
	"""Outbound messages by the status they show now."""

	queued: int = 0
	sent: int = 0
	delivered: int = 0
	read: int = 0
	failed: int = 0

	@classmethod
	def from_status_counts(cls, counts: Mapping[str, int]) -> OutcomeCounts:
		return cls(
			queued=int(counts.get(MessageStatus.QUEUED, 0)),
			sent=int(counts.get(MessageStatus.SENT, 0)),
			delivered=int(counts.get(MessageStatus.DELIVERED, 0)),
			read=int(counts.get(MessageStatus.READ, 0)),
			failed=int(counts.get(MessageStatus.FAILED, 0)),
		)

	@property
	def total(self) -> int:
		return self.queued + self.sent + self.delivered + self.read + self.failed

	@property
	def reached_sent(self) -> int:
		return self.sent + self.delivered + self.read

	@property
	def reached_delivered(self) -> int:
		return self.delivered + self.read

	@property
	def finished(self) -> int:
		"""Messages with a final answer from WhatsApp (still Queued ones are not counted)."""
		return self.reached_sent + self.failed

	@property
	def success_rate(self) -> float | None:
		return ratio(self.reached_sent, self.finished)

	@property
	def failure_rate(self) -> float | None:
		return ratio(self.failed, self.finished)

	@property
	def delivery_rate(self) -> float | None:
		return ratio(self.reached_delivered, self.finished)

	@property
	def read_rate(self) -> float | None:
		return ratio(self.read, self.reached_delivered)


@dataclass(frozen=True)
class FunnelStep:
	label: str
	count: int
	share_of_first: float | None


def funnel(counts: OutcomeCounts) -> list[FunnelStep]:
	"""Sent -> Delivered -> Read, each with its share of the messages sent."""
	steps = (
		(MessageStatus.SENT, counts.reached_sent),
		(MessageStatus.DELIVERED, counts.reached_delivered),
		(MessageStatus.READ, counts.read),
	)
	first = counts.reached_sent
	return [FunnelStep(label, count, ratio(count, first)) for label, count in steps]


def increase(samples: Sequence[tuple[float, float]], now: float, window: float) -> float:
	"""How much a counter grew in the last `window` seconds, from `(time, total)` samples in time
	order. The baseline is the last sample at or before the window's start (else the oldest
	one); a drop in the total is a reset (e.g. a cleared cache), counted from zero."""
	start = now - window
	baseline = max((index for index, (at, _) in enumerate(samples) if at <= start), default=0)
	grown = 0.0
	for (_, previous), (_, current) in zip(samples[baseline:-1], samples[baseline + 1 :], strict=True):
		grown += current - previous if current >= previous else current
	return grown
