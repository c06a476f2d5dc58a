"""core/status.py: a message's status only moves forward, whatever order Meta's webhooks arrive in."""

from __future__ import annotations

import itertools

import pytest

from whatsapp_integration.core.status import STATUSES, from_meta, merge_status
from whatsapp_integration.core.vocabulary import MessageStatus

# For every (current, new): the status the message shows afterwards.
EXPECTED = {
	(MessageStatus.QUEUED, MessageStatus.QUEUED): MessageStatus.QUEUED,
	(MessageStatus.QUEUED, MessageStatus.SENT): MessageStatus.SENT,
	(MessageStatus.QUEUED, MessageStatus.FAILED): MessageStatus.FAILED,
	(MessageStatus.QUEUED, MessageStatus.DELIVERED): MessageStatus.DELIVERED,
	(MessageStatus.QUEUED, MessageStatus.READ): MessageStatus.READ,
	(MessageStatus.SENT, MessageStatus.QUEUED): MessageStatus.SENT,
	(MessageStatus.SENT, MessageStatus.SENT): MessageStatus.SENT,
	(MessageStatus.SENT, MessageStatus.FAILED): MessageStatus.FAILED,
	(MessageStatus.SENT, MessageStatus.DELIVERED): MessageStatus.DELIVERED,
	(MessageStatus.SENT, MessageStatus.READ): MessageStatus.READ,
	(MessageStatus.FAILED, MessageStatus.QUEUED): MessageStatus.FAILED,
	(MessageStatus.FAILED, MessageStatus.SENT): MessageStatus.FAILED,
	(MessageStatus.FAILED, MessageStatus.FAILED): MessageStatus.FAILED,
	(MessageStatus.FAILED, MessageStatus.DELIVERED): MessageStatus.DELIVERED,
	(MessageStatus.FAILED, MessageStatus.READ): MessageStatus.READ,
	(MessageStatus.DELIVERED, MessageStatus.QUEUED): MessageStatus.DELIVERED,
	(MessageStatus.DELIVERED, MessageStatus.SENT): MessageStatus.DELIVERED,
	(MessageStatus.DELIVERED, MessageStatus.FAILED): MessageStatus.DELIVERED,
	(MessageStatus.DELIVERED, MessageStatus.DELIVERED): MessageStatus.DELIVERED,
	(MessageStatus.DELIVERED, MessageStatus.READ): MessageStatus.READ,
	(MessageStatus.READ, MessageStatus.QUEUED): MessageStatus.READ,
	(MessageStatus.READ, MessageStatus.SENT): MessageStatus.READ,
	(MessageStatus.READ, MessageStatus.FAILED): MessageStatus.READ,
	(MessageStatus.READ, MessageStatus.DELIVERED): MessageStatus.READ,
	(MessageStatus.READ, MessageStatus.READ): MessageStatus.READ,
}


def test_the_table_covers_every_pair() -> None:
	assert set(EXPECTED) == set(itertools.product(STATUSES, STATUSES))


@pytest.mark.parametrize(("current", "new"), list(EXPECTED))
def test_merge_status(current: str, new: str) -> None:
	assert merge_status(current, new) == EXPECTED[(current, new)]


@pytest.mark.parametrize("current", [None, "", "Bogus"])
@pytest.mark.parametrize("new", STATUSES)
def test_a_message_without_a_known_status_takes_the_new_one(current: str | None, new: str) -> None:
	assert merge_status(current, new) == new


@pytest.mark.parametrize("new", ["sent", "deleted", ""])
def test_unknown_new_status_is_refused_with_the_known_ones(new: str) -> None:
	with pytest.raises(ValueError, match="expected one of Queued, Sent, Failed, Delivered, Read"):
		merge_status(MessageStatus.SENT, new)


@pytest.mark.parametrize(
	"order", list(itertools.permutations([MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ]))
)
def test_any_arrival_order_ends_at_read(order: tuple[str, ...]) -> None:
	status = MessageStatus.QUEUED
	for event in order:
		status = merge_status(status, event)
	assert status == MessageStatus.READ


@pytest.mark.parametrize(
	("meta", "ours"),
	[
		("sent", MessageStatus.SENT),
		("delivered", MessageStatus.DELIVERED),
		("READ", MessageStatus.READ),
		("failed", MessageStatus.FAILED),
		("queued", MessageStatus.QUEUED),
	],
)
def test_from_meta(meta: str, ours: str) -> None:
	assert from_meta(meta) == ours


@pytest.mark.parametrize("meta", ["deleted", "", None, "warning"])
def test_untracked_meta_statuses(meta: str | None) -> None:
	assert from_meta(meta) is None  # type: ignore[arg-type]
