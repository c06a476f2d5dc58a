"""What each kind of attempt (or refusal) makes of a recipient row: pure rules, no I/O."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.records import RecipientOutcome, RecipientRow
from whatsapp_integration.core.errors import RateLimited, SendFailed, WhatsAppError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.records import MessageRecord, SendOutcome, apply_outcome, meta_details
from whatsapp_integration.core.vocabulary import MessageStatus, RecipientState

# The send journal's note for a send that began and never finished (its outcome is unknown).
IN_DOUBT = "?"
IN_DOUBT_REASON = _(
	"The worker stopped while this message was being sent, so it is unknown whether WhatsApp got it. "
	"It was not sent again to avoid a duplicate; a delivery status from WhatsApp will update this row."
)
OPTED_OUT_REASON = _("The number opted out after the campaign was planned; nothing was sent.")


def in_doubt(row: RecipientRow, now: datetime) -> RecipientOutcome:
	return RecipientOutcome(
		row.name, RecipientState.FAILED, row.attempts + 1, now, last_error=IN_DOUBT_REASON
	)


def sent(row: RecipientRow, record: MessageRecord, wamid: str, now: datetime) -> RecipientOutcome:
	log = apply_outcome(record, SendOutcome(MessageStatus.SENT, now, row.attempts + 1, wamid=wamid))
	return RecipientOutcome(row.name, RecipientState.SENT, row.attempts + 1, now, wamid=wamid, log=log)


def opted_out(row: RecipientRow, now: datetime) -> RecipientOutcome:
	skip = f"{planning.SKIP_OPTED_OUT}: {OPTED_OUT_REASON}"
	return RecipientOutcome(
		row.name, RecipientState.SKIPPED, row.attempts, now, skip_reason=skip, attempted=False
	)


def window_closed(row: RecipientRow, now: datetime, reason: str) -> RecipientOutcome:
	"""Free text to a customer outside the 24 h window: nothing was sent and nothing could be, so
	the recipient is skipped with the reason (not a failure: a campaign to a cold list is not
	paused for its failure rate; its report says to send a template)."""
	skip = f"{planning.SKIP_WINDOW_CLOSED}: {reason}"
	return RecipientOutcome(
		row.name, RecipientState.SKIPPED, row.attempts, now, skip_reason=skip, attempted=False
	)


def deferred(row: RecipientRow, now: datetime, seconds: float) -> RecipientOutcome:
	"""Not attempted: due again after `seconds` (the pair rate)."""
	return RecipientOutcome(
		row.name,
		RecipientState.PENDING,
		row.attempts,
		now,
		next_attempt_at=now + _at_least(seconds),
		attempted=False,
	)


def refused(
	row: RecipientRow, now: datetime, refusal: WhatsAppError, default_wait: float
) -> RecipientOutcome:
	"""The sender refused before sending (rate limit, daily cap, device not ready): nothing was
	sent, the attempt does not count, the row waits `retry_after` (else `default_wait`) with the reason."""
	wait = refusal.retry_after if isinstance(refusal, RateLimited) else default_wait
	return RecipientOutcome(
		row.name,
		RecipientState.PENDING,
		row.attempts,
		now,
		next_attempt_at=now + _at_least(max(wait, 0.0)),
		last_error=str(refusal),
		attempted=False,
	)


def after_failure(
	row: RecipientRow, record: MessageRecord, failure: SendFailed, decision: policy.Decision, now: datetime
) -> RecipientOutcome:
	"""The row after a failed send, by the campaign policy's `decision`."""
	attempts = row.attempts + 1
	common = {"last_error": failure.reason, "error_code": failure.code}
	if decision.outcome == policy.PAUSE_CAMPAIGN:
		return RecipientOutcome(row.name, RecipientState.PENDING, row.attempts, now, **common)
	if decision.suppress_number:
		skip = f"{planning.SKIP_OPTED_OUT}: {failure.reason}"
		return RecipientOutcome(row.name, RecipientState.SKIPPED, attempts, now, skip_reason=skip, **common)
	if decision.outcome == policy.RETRY_LATER:
		retry_at = now + timedelta(seconds=decision.delay or 0.0)
		return RecipientOutcome(
			row.name, RecipientState.PENDING, attempts, now, next_attempt_at=retry_at, **common
		)
	log = apply_outcome(record, _log_outcome(now, attempts, failure))
	return RecipientOutcome(row.name, RecipientState.FAILED, attempts, now, log=log, **common)


def _log_outcome(now: datetime, attempts: int, failure: SendFailed) -> SendOutcome:
	return SendOutcome(
		MessageStatus.FAILED,
		now,
		attempts,
		error_code=failure.code,
		error_title=failure.title,
		error_reason=failure.reason,
		error_action=failure.action.value,
		**meta_details(failure),
	)


def _at_least(seconds: float) -> timedelta:
	"""`seconds` rounded up to datetime's microsecond, so a wait never becomes no wait."""
	return timedelta(microseconds=math.ceil(seconds * 1_000_000))
