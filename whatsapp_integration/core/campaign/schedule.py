"""When a campaign runs: its start, its recurrence and its end, in the site's time zone.

Times are naive wall-clock datetimes in the site's time zone (as Frappe stores them). A
recurring run keeps its wall-clock time across daylight-saving changes: a campaign at 09:00
runs at 09:00 local before and after the clocks move. A monthly run on the 31st runs on the
last day of shorter months. A local time that does not exist (skipped by the spring-forward
gap) runs at the same instant as the time before the gap plus one hour (03:30 for 02:30);
an ambiguous one (repeated by the fall-back) runs once, at its first occurrence.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from whatsapp_integration.core.errors import InvalidCampaign
from whatsapp_integration.core.i18n import _

NONE = "None"
DAILY = "Daily"
WEEKLY = "Weekly"
MONTHLY = "Monthly"
RECURRENCES = (NONE, DAILY, WEEKLY, MONTHLY)
_DAYS_PER_STEP = {DAILY: 1, WEEKLY: 7}


@dataclass(frozen=True)
class Schedule:
	start: datetime
	recurrence: str = NONE
	until: date | None = None

	def __post_init__(self) -> None:
		if self.recurrence not in RECURRENCES:
			raise InvalidCampaign(
				_("{recurrence!r} is not a recurrence; use one of {recurrences}.").format(
					recurrence=self.recurrence, recurrences=", ".join(RECURRENCES)
				)
			)
		if self.until and self.until < self.start.date():
			raise InvalidCampaign(
				_("The campaign repeats until {until}, which is before its start on {start}.").format(
					until=self.until, start=self.start.date()
				)
			)


def occurrence(schedule: Schedule, run: int) -> datetime:
	"""The wall-clock time of run number `run` (0 is the scheduled start)."""
	start = schedule.start
	if run == 0 or schedule.recurrence == NONE:
		return start
	if schedule.recurrence == MONTHLY:
		month_index = start.month - 1 + run
		year, month = start.year + month_index // 12, month_index % 12 + 1
		day = min(start.day, calendar.monthrange(year, month)[1])
		return start.replace(year=year, month=month, day=day)
	return start + timedelta(days=_DAYS_PER_STEP[schedule.recurrence] * run)


def run_after(schedule: Schedule, run: int) -> tuple[int, datetime] | None:
	"""The run that follows run `run` and its time, or None when the schedule has ended."""
	if schedule.recurrence == NONE:
		return None
	following = occurrence(schedule, run + 1)
	if schedule.until and following.date() > schedule.until:
		return None
	return run + 1, following


def next_run(schedule: Schedule, after: datetime) -> tuple[int, datetime] | None:
	"""The first run at or after `after` (wall clock), e.g. to restart a long-paused schedule."""
	run = _first_candidate(schedule, after)
	while True:
		at = occurrence(schedule, run)
		if schedule.until and at.date() > schedule.until:
			return None
		if at >= after:
			return run, at
		if schedule.recurrence == NONE:
			return None
		run += 1


def _first_candidate(schedule: Schedule, after: datetime) -> int:
	"""A run number at or a little before the answer, so `next_run` steps only a few times."""
	start = schedule.start
	if after <= start or schedule.recurrence == NONE:
		return 0
	if schedule.recurrence == MONTHLY:
		return max(0, (after.year - start.year) * 12 + after.month - start.month - 1)
	return max(0, (after - start).days // _DAYS_PER_STEP[schedule.recurrence] - 1)


def to_utc(wall_clock: datetime, time_zone: str) -> datetime:
	"""The instant a site wall-clock time stands for (fold=0: the first of an ambiguous pair)."""
	return wall_clock.replace(tzinfo=ZoneInfo(time_zone), fold=0).astimezone(timezone.utc)


def is_due(wall_clock: datetime, time_zone: str, now_utc: datetime) -> bool:
	"""Whether a run planned at `wall_clock` (site time) has come, compared as instants so the
	fall-back hour neither starts a run early nor twice."""
	return to_utc(wall_clock, time_zone) <= now_utc
