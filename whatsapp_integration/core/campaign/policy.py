"""What a campaign does about each outcome: campaign status rules, retries, auto-pause."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import CampaignStateError, ErrorAction
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.vocabulary import CampaignStatus

_S = CampaignStatus
_TRANSITIONS: dict[str, frozenset[str]] = {
	_S.DRAFT: frozenset({_S.SCHEDULED, _S.RUNNING, _S.CANCELLED}),
	_S.SCHEDULED: frozenset({_S.RUNNING, _S.PAUSED, _S.CANCELLED, _S.DRAFT}),
	_S.RUNNING: frozenset({_S.PAUSED, _S.COMPLETED, _S.CANCELLED, _S.FAILED, _S.SCHEDULED}),
	_S.PAUSED: frozenset({_S.RUNNING, _S.SCHEDULED, _S.CANCELLED}),
	_S.COMPLETED: frozenset(),
	_S.CANCELLED: frozenset(),
	_S.FAILED: frozenset({_S.SCHEDULED, _S.RUNNING, _S.CANCELLED}),
}


def check_transition(current: str, target: str) -> None:
	if target not in _TRANSITIONS.get(current, frozenset()):
		raise CampaignStateError(
			_(
				"The campaign is {current} and cannot become {target}. Reload it to see its current status."
			).format(current=current, target=target)
		)


def sources_of(target: str) -> tuple[str, ...]:
	"""The statuses a campaign may move to `target` from (for conditional updates)."""
	return tuple(status for status, targets in _TRANSITIONS.items() if target in targets)


def idempotency_key(campaign: str, recipient: str, run: int) -> str:
	"""One key per (campaign, recipient, run): sent as callback data and unique in the Message Log."""
	return f"campaign:{campaign}:{recipient}:{run}"


def parse_idempotency_key(key: str) -> tuple[str, str, int] | None:
	"""(campaign, recipient, run) of a campaign send's key; None for any other key."""
	prefix, _separator, rest = key.partition(":")
	campaign, _separator, tail = rest.rpartition(":")
	campaign, _separator, recipient = campaign.rpartition(":")
	if prefix != "campaign" or not campaign or not recipient or not tail.isdigit():
		return None
	return campaign, recipient, int(tail)


# What happens to a recipient after a failed attempt
RETRY_LATER = "retry"
FAIL = "fail"
SKIP = "skip"
PAUSE_CAMPAIGN = "pause"


@dataclass(frozen=True)
class Decision:
	outcome: str
	delay: float | None = None
	slow_device_for: float = 0.0
	suppress_number: bool = False


def decide(
	action: ErrorAction,
	attempts: int,
	config: WhatsAppConfig,
	rand: Callable[[], float] = random.random,
) -> Decision:
	"""The recipient's fate after failed attempt number `attempts`, by the error's class.

	RETRY/PAIR_RATE/DEFER follow `retry_delay`; THROTTLE also slows the whole device for that
	long; SUPPRESS skips the recipient and adds the number to the opt-out list; STOP pauses
	the campaign and leaves the recipient to be sent on resume (the attempt does not count,
	the account was at fault, not the recipient); the rest fail the recipient.
	"""
	if action is ErrorAction.STOP:
		return Decision(PAUSE_CAMPAIGN)
	if action is ErrorAction.SUPPRESS:
		return Decision(SKIP, suppress_number=True)
	delay = retry_delay(action, attempts, config, rand)
	if delay is None:
		return Decision(FAIL)
	slow = delay if action is ErrorAction.THROTTLE else 0.0
	return Decision(RETRY_LATER, delay=delay, slow_device_for=slow)


def auto_pause_reason(recent_failures: Sequence[bool], window: int, threshold: float) -> str | None:
	"""Why to pause, when the last `window` attempts (newest first) failed at `threshold` or more.

	Fewer than `window` attempts never pause: a handful of early failures says little.
	"""
	last = list(recent_failures[:window])
	if len(last) < window:
		return None
	rate = sum(last) / len(last)
	if rate < threshold:
		return None
	return _(
		"{failed} of the last {count} messages failed ({rate:.0%}, the limit is {threshold:.0%}). "
		"Check the failed recipients' errors, fix the cause, then resume."
	).format(failed=sum(last), count=len(last), rate=rate, threshold=threshold)
