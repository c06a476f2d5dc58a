"""Meta's 24 h customer-service window: free-form messages only to customers who wrote recently.

A business may send free-form messages (text, media, interactive) to a WhatsApp user only within
24 hours of that user's last message to the same business number; outside it only an approved
template goes through (Meta answers 131047 otherwise). The window is open while
`now < last_inbound_at + 24 h`: exactly 24 h after the last message it is closed. A customer who
never wrote has no window.

Times are compared as given: both aware (any time zones: the instants are compared) or both naive
in the same zone (the site's system time zone, as Frappe stores them). Mixing the two is a bug in
the caller and raises `ValueError`.

A customer may be known by their phone number, by their business-scoped user id (BSUID), or both:
their last inbound time is the latest message under either (`latest_inbound`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from whatsapp_integration.core.errors import WindowClosed
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import DeviceMode, MessageType

WINDOW = timedelta(hours=24)
INTERACTIVE = "interactive"
# Everything but a template is free-form (Meta's rule); "interactive" is sent by later senders.
FREE_FORM_TYPES = frozenset(
	{*(kind.value for kind in MessageType if kind != MessageType.TEMPLATE), INTERACTIVE}
)


@dataclass(frozen=True)
class ServiceWindow:
	"""The window of one customer on one business number at a moment."""

	is_open: bool
	last_inbound_at: datetime | None
	closes_at: datetime | None

	def seconds_left(self, now: datetime) -> float:
		"""Seconds until the window closes (0 when it is closed or never opened)."""
		if not self.is_open or self.closes_at is None:
			return 0.0
		return max((self.closes_at - _comparable(now, self.closes_at)).total_seconds(), 0.0)


def window_for(last_inbound_at: datetime | None, now: datetime) -> ServiceWindow:
	"""The window at `now` of a customer whose last message arrived at `last_inbound_at`."""
	if last_inbound_at is None:
		return ServiceWindow(False, None, None)
	closes_at = last_inbound_at + WINDOW
	return ServiceWindow(_comparable(now, closes_at) < closes_at, last_inbound_at, closes_at)


def requires_window(message_type: str) -> bool:
	"""True for free-form messages (text, media, interactive); templates may open a conversation."""
	return message_type in FREE_FORM_TYPES


def is_bound(mode: str, enforce_for_web: bool) -> bool:
	"""Whether a device in `mode` must respect the window: Official always (Meta enforces it),
	Web only when Settings say so (WhatsApp Web itself does not)."""
	return mode != DeviceMode.WEB or enforce_for_web


def latest_inbound(moments: Iterable[datetime | None]) -> datetime | None:
	"""The latest of the inbound times found under a customer's identities (number, BSUID)."""
	known = [moment for moment in moments if moment is not None]
	return max(known) if known else None


def check_window(
	message_type: str, to: str, device: str, last_inbound_at: datetime | None, now: datetime
) -> None:
	"""Raise `WindowClosed` when a free-form message to `to` on `device` is outside the window."""
	if not requires_window(message_type):
		return
	window = window_for(last_inbound_at, now)
	if window.is_open:
		return
	if last_inbound_at is None:
		raise WindowClosed(
			_(
				"{to} has never written to {device}, so WhatsApp accepts only an approved template "
				"(the 24-hour customer-service window is closed). Send a template instead."
			).format(to=to, device=device),
			last_inbound_at=None,
		)
	raise WindowClosed(
		_(
			"{to} last wrote to {device} at {time}, more than 24 hours ago, so "
			"the customer-service window is closed and WhatsApp accepts only an approved template. "
			"Send a template instead."
		).format(to=to, device=device, time=f"{last_inbound_at:%Y-%m-%d %H:%M}"),
		last_inbound_at=last_inbound_at,
	)


def _comparable(now: datetime, other: datetime) -> datetime:
	if (now.tzinfo is None) != (other.tzinfo is None):
		raise ValueError(
			"Compare window times either both with a time zone or both as the site's local time."
		)
	return now
