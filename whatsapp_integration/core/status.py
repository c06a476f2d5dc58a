"""Message statuses and the rule that a status only moves forward.

Meta does not guarantee webhook order: `delivered` may come after `read`, `sent` may come
last, duplicates happen. The order below decides which status a message shows; every
event is still kept in its history.
"""

from __future__ import annotations

from collections.abc import Iterable

from whatsapp_integration.core.vocabulary import MessageStatus

STATUSES = (
	MessageStatus.QUEUED,
	MessageStatus.SENT,
	MessageStatus.FAILED,
	MessageStatus.DELIVERED,
	MessageStatus.READ,
)
"""The outbound statuses in rank order (RECEIVED, of inbound messages, is outside it)."""
# failed ranks above sent (a send that failed stays failed when a late "sent" arrives) and
# below delivered/read (proof of delivery beats an earlier failure report).
_RANK = {status: rank for rank, status in enumerate(STATUSES)}
_FROM_META = {status.lower(): status for status in STATUSES}


def from_meta(status: str) -> MessageStatus | None:
	"""Meta's lowercase webhook status as ours, or None for statuses we do not track."""
	return _FROM_META.get((status or "").lower())


def merge_status(current: str | None, new: str) -> str:
	"""The status a message should show after event `new` arrives while it shows `current`."""
	if new not in _RANK:
		raise ValueError(f"Unknown message status {new!r}; expected one of {', '.join(STATUSES)}.")
	if current not in _RANK:
		return new
	return new if _RANK[new] > _RANK[current] else current


_TIMESTAMP_FIELD = {
	MessageStatus.SENT: "sent_at",
	MessageStatus.DELIVERED: "delivered_at",
	MessageStatus.READ: "read_at",
}


def apply_event(current: str | None, recorded: Iterable[str], new: str) -> str | None:
	"""The status after event `new`, or None when an event with that status is already in the
	history (a redelivery, or the send itself recorded it): each status is kept once."""
	if new in set(recorded):
		return None
	return merge_status(current, new)


def current_attempt(history: Iterable[str]) -> list[str]:
	"""The statuses of a message's history since it was last put back in the outbox (Queued):
	a resend is a new WhatsApp message whose own sent/delivered/failed must count again."""
	statuses = list(history)
	last_queued = max(
		(index for index, status in enumerate(statuses) if status == MessageStatus.QUEUED), default=-1
	)
	return statuses[last_queued + 1 :]


def timestamp_field(status: str) -> str | None:
	"""The Message Log field that records when `status` first happened (`sent_at`, ...)."""
	return _TIMESTAMP_FIELD.get(status)
