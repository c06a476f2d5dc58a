"""How fast a campaign sends and how much one batch takes: pure arithmetic, no clock, no I/O.

A device's sends share one token bucket (single sends, campaigns, every worker). A campaign
takes slots of it at its own rate, burst 1, so sends are spaced evenly against the clock.
A batch is leased for at least twice the worst one send may take (with its pacing wait), and
never takes more rows than the device's daily cap still allows today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from whatsapp_integration.core.caps import has_daily_cap, remaining_today
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.send_budget import worst_case_seconds

MAX_GUARD = 0.5


@dataclass(frozen=True)
class Pacing:
	"""One campaign send's slot in the device's bucket: `rate` per second, burst 1, and the
	`slack` a send may start after its slot before it takes the next one."""

	rate: float
	slack: float
	burst: float = 1.0


def send_rate(throughput_cap: float, ceiling: float) -> float:
	"""Messages per second: the campaign's cap, never above the Settings' device rate."""
	return min(throughput_cap, ceiling) if throughput_cap > 0 else ceiling


def pacing(rate: float, guard: float) -> Pacing:
	"""Slots come every 1/R s against the clock, so the send time never adds to the gap. The
	guard keeps R sends a little over a second apart, so jitter between the slot and the
	request's arrival never puts R + 1 into one second: a send may start at most half of that
	margin after its slot, or it takes the next slot."""
	guard = min(guard, MAX_GUARD)
	return Pacing(rate * (1.0 - guard), guard / (1.0 - guard) / 2)


def pair_rate(gap_seconds: float) -> float | None:
	"""Meta's pair rate (one message to a number per `gap_seconds`) as messages per second;
	None when there is no gap to keep."""
	return 1.0 / gap_seconds if gap_seconds > 0 else None


def batch_lease(mode: str, config: WhatsAppConfig) -> tuple[timedelta, timedelta]:
	"""(the batch's lease, the time one send may take at worst with its pacing wait). The
	lease is renewed before each send that could outlast it, so it is at least twice that
	time (a renewal every few sends, not every send)."""
	send = worst_case_seconds(mode, config) + config.campaign_pacing_wait_seconds
	return timedelta(seconds=max(config.campaign_lease_seconds, 2 * send)), timedelta(seconds=send)


def batch_size(size: int, daily_cap: int, used_today: int) -> int:
	"""Rows one batch claims: `size`, at most what the daily cap still allows today."""
	if not has_daily_cap(daily_cap):
		return size
	return min(size, remaining_today(daily_cap, used_today))
