"""Days Before / Days After: which documents a date rule messages today, and from what time.

The site's day is the day in the system time zone (the one Frappe stores naive datetimes in).
A rule with `days` N and event Days Before messages documents whose date is today + N; Days
After, today - N. A Date field matches that day; a Datetime field any moment of it, the range
[day 00:00, next day 00:00) in the site's wall-clock time, which stays 24 wall-clock hours on
the days a DST change makes 23 or 25 real ones. The rule is due once the site's wall clock has
reached its send time (no send time: from midnight); the scheduler runs it hourly, and the
idempotency key (rule + document + day) keeps it to one message per document and day, also
when a DST change repeats an hour or a time falls into the skipped one (02:30 on the spring-
forward day is due at 03:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import NotificationEvent

MAX_DAYS = 3650


@dataclass(frozen=True)
class DateWindow:
	"""The documents a date rule messages now: its date field on `day` (naive local bounds)."""

	today: date
	day: date
	start: datetime
	end: datetime

	@property
	def occasion(self) -> str:
		"""The idempotency occasion: the day messaged (one message per document and day)."""
		return f"day@{self.day.isoformat()}"


def local_now(now: datetime, time_zone: str) -> datetime:
	"""`now` (aware, any zone) as the site's naive wall-clock time."""
	if now.tzinfo is None:
		raise ValueError("local_now needs an aware datetime")
	return now.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def target_day(event: str, days: int, today: date) -> date:
	"""The date a document must have for the rule to message it on `today`."""
	check_days(days)
	if event == NotificationEvent.DAYS_BEFORE:
		return today + timedelta(days=days)
	if event == NotificationEvent.DAYS_AFTER:
		return today - timedelta(days=days)
	raise InvalidMessage(
		_("{event!r} is not a date event; use Days Before or Days After.").format(event=event)
	)


def due_window(
	event: str, days: int, send_time: time | None, now: datetime, time_zone: str
) -> DateWindow | None:
	"""The window the rule messages at `now` (aware), or None while its send time has not come."""
	wall = local_now(now, time_zone)
	if wall.time() < (send_time or time(0)):
		return None
	return day_window(wall.date(), target_day(event, days, wall.date()))


def day_window(today: date, day: date) -> DateWindow:
	"""The window of documents dated `day`, messaged on `today`."""
	start = datetime.combine(day, time(0))
	return DateWindow(today=today, day=day, start=start, end=start + timedelta(days=1))


def check_days(days: int) -> int:
	if not isinstance(days, int) or days < 0 or days > MAX_DAYS:
		raise InvalidMessage(
			_("Days must be a whole number from 0 to {limit}; {days!r} is not.").format(
				limit=MAX_DAYS, days=days
			)
		)

	return days
