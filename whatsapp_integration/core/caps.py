"""A device's daily cap: the one rule single sends and campaigns both follow.

A cap of 0 (or less) means no cap. The day starts at midnight of the site's wall clock, and
what counts as used is the device's outbound messages since then that did not fail.
"""

from __future__ import annotations

from datetime import datetime

from whatsapp_integration.core.i18n import _


def has_daily_cap(cap: int) -> bool:
	return cap > 0


def start_of_day(now: datetime) -> datetime:
	"""Midnight of `now`'s day: the daily cap counts the messages sent since then."""
	return now.replace(hour=0, minute=0, second=0, microsecond=0)


def remaining_today(cap: int, used: int) -> int:
	"""How many more messages a device with daily cap `cap` may send today, `used` sent so far."""
	return max(0, cap - used)


def cap_reached(cap: int, used: int) -> bool:
	return has_daily_cap(cap) and remaining_today(cap, used) == 0


def cap_reached_reason(device: str, cap: int) -> str:
	return _("Device {device} has sent its daily cap of {cap} messages today.").format(device=device, cap=cap)
