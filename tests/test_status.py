"""core/status.py: a message's status only moves forward, whatever order Meta's webhooks arrive in."""

from __future__ import annotations

import itertools

import pytest

from whatsapp_integration.core.status import (
	DELIVERED,
	FAILED,
	QUEUED,
	READ,
	SENT,
	STATUSES,
	from_meta,
	merge_status,
)

# For every (current, new): the status the message shows afterwards.
EXPECTED = {
	(QUEUED, QUEUED): QUEUED,
	(QUEUED, SENT): SENT,
	(QUEUED, FAILED): FAILED,
	(QUEUED, DELIVERED): DELIVERED,
	(QUEUED, READ): READ,
	(SENT, QUEUED): SENT,
	(SENT, SENT): SENT,
	(SENT, FAILED): FAILED,
	(SENT, DELIVERED): DELIVERED,
	(SENT, READ): READ,
	(FAILED, QUEUED): FAILED,
	(FAILED, SENT): FAILED,
	(FAILED, FAILED): FAILED,
	(FAILED, DELIVERED): DELIVERED,
	(FAILED, READ): READ,
	(DELIVERED, QUEUED): DELIVERED,
	(DELIVERED, SENT): DELIVERED,
	(DELIVERED, FAILED): DELIVERED,
	(DELIVERED, DELIVERED): DELIVERED,
	(DELIVERED, READ): READ,
	(READ, QUEUED): READ,
	(READ, SENT): READ,
	(READ, FAILED): READ,
	(READ, DELIVERED): READ,
	(READ, READ): READ,
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
		merge_status(SENT, new)


@pytest.mark.parametrize("order", list(itertools.permutations([SENT, DELIVERED, READ])))
def test_any_arrival_order_ends_at_read(order: tuple[str, ...]) -> None:
	status = QUEUED
	for event in order:
		status = merge_status(status, event)
	assert status == READ


@pytest.mark.parametrize(
	("meta", "ours"),
	[("sent", SENT), ("delivered", DELIVERED), ("READ", READ), ("failed", FAILED), ("queued", QUEUED)],
)
def test_from_meta(meta: str, ours: str) -> None:
	assert from_meta(meta) == ours


@pytest.mark.parametrize("meta", ["deleted", "", None, "warning"])
def test_untracked_meta_statuses(meta: str | None) -> None:
	assert from_meta(meta) is None  # type: ignore[arg-type]
