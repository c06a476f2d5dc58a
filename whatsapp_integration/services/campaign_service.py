"""Campaigns: plan, start, dispatch in leased batches through the send path, pause and finish.

One dispatcher per device claims due recipient rows with a lease, sends each through the
message service's pieces (`build_record` validates, `dispatch` calls the sender) under the
device's shared token bucket and Meta's pair rate, and stores the batch's outcomes in bulk.
The idempotency key of each (campaign, recipient, run) is checked (send journal and Message
Log) before every send and travels as `biz_opaque_callback_data`, so a resumed campaign never
sends twice. Progress is always counted from the recipient rows.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.rendering import (
	Renderer,
	check_parameter_count,
	check_placeholders,
	message_sources,
	render_parameters,
	render_text,
	sandboxed_render,
)
from whatsapp_integration.core.campaign.schedule import Schedule, is_due, next_run, run_after, to_utc
from whatsapp_integration.core.errors import (
	CampaignStateError,
	InvalidCampaign,
	RateLimited,
	SendFailed,
	WhatsAppError,
)
from whatsapp_integration.core.ratelimit import acquire
from whatsapp_integration.core.senders.base import WhatsAppSender
from whatsapp_integration.core.senders.factory import DeviceProfile
from whatsapp_integration.core.status import FAILED as LOG_FAILED
from whatsapp_integration.core.status import SENT as LOG_SENT
from whatsapp_integration.services.campaign_repository import (
	CampaignRecord,
	CampaignRepository,
	NewRecipient,
	RecipientOutcome,
	RecipientRow,
)
from whatsapp_integration.services.message_service import MessageService, dispatch
from whatsapp_integration.services.repository import MessageRecord, SendOutcome, apply_outcome
from whatsapp_integration.services.send_journal import IN_DOUBT, SendJournal

IN_DOUBT_REASON = (
	"The worker stopped while this message was being sent, so it is unknown whether WhatsApp got it. "
	"It was not sent again to avoid a duplicate; a delivery status from WhatsApp will update this row."
)
Notifier = Callable[[CampaignRecord, str], None]


@dataclass
class BatchResult:
	claimed: int = 0
	handled: int = 0
	sent: int = 0
	failed: int = 0
	deferred: int = 0
	stop_reason: str | None = None


@dataclass
class DispatchReport:
	batches: int = 0
	sent: int = 0
	failed: int = 0
	paused: list[str] = field(default_factory=list)
	finished: list[str] = field(default_factory=list)


@dataclass
class _Batch:
	campaign: CampaignRecord
	device: DeviceProfile
	sender: WhatsAppSender
	outcomes: list[RecipientOutcome] = field(default_factory=list)
	stop_reason: str | None = None
	slow_until: datetime | None = None


class CampaignService:
	def __init__(
		self,
		repository: CampaignRepository,
		messages: MessageService,
		journal: SendJournal,
		*,
		render: Renderer = sandboxed_render,
		notify: Notifier | None = None,
		on_batch: Callable[[CampaignRecord], None] | None = None,
		time_zone: str = "UTC",
		now: Callable[[], datetime] = datetime.now,
		sleep: Callable[[float], None] = time.sleep,
		rand: Callable[[], float] = random.random,
	) -> None:
		self.repository = repository
		self.messages = messages
		self.config = messages.config
		self.journal = journal
		self._render = render
		self._notify = notify or (lambda campaign, reason: None)
		self._on_batch = on_batch or (lambda campaign: None)
		self._time_zone = time_zone
		self._now = now
		self._sleep = sleep
		self._rand = rand

	# Recipients and lifecycle

	def add_recipients(self, name: str, inputs: Iterable[RecipientInput]) -> dict[str, int]:
		"""Store recipients. Invalid numbers and duplicates (also of rows added before) are
		stored Skipped with the reason, so they are reported before the campaign starts."""
		kept = [_as_input(row) for row in self.repository.recipients(name) if row.state != planning.SKIPPED]
		plan = self._plan([*kept, *inputs])
		new = planning.Plan(plan.recipients[len(kept) :])
		self.repository.add_recipients(name, [_new_recipient(planned) for planned in new.recipients])
		return new.summary()

	def start(self, name: str) -> str:
		"""Start now, or schedule for the campaign's start time; returns the new status."""
		campaign = self.repository.get_campaign(name)
		self.validate(campaign)
		start = campaign.scheduled_start or self._now()
		# A failed campaign started again is a new run: new idempotency keys, so the retried
		# recipients get new Message Log rows next to the failed ones.
		run = campaign.run + 1 if campaign.status == policy.FAILED else 0
		if not is_due(start, self._time_zone, self._utc_now()):
			policy.check_transition(campaign.status, policy.SCHEDULED)
			self._set_status(campaign, policy.SCHEDULED, run=run, next_run_at=start, scheduled_start=start)
			return policy.SCHEDULED
		policy.check_transition(campaign.status, policy.RUNNING)
		self._begin_run(campaign, run, scheduled_start=start)
		return policy.RUNNING

	def start_due(self, now_utc: datetime | None = None) -> list[str]:
		"""Start every Scheduled campaign whose run time has come; returns their names."""
		now_utc = now_utc or self._utc_now()
		started = []
		for campaign in self.repository.campaigns_with_status([policy.SCHEDULED]):
			if campaign.next_run_at and is_due(campaign.next_run_at, self._time_zone, now_utc):
				self._begin_run(campaign, campaign.run)
				started.append(campaign.name)
		return started

	def pause(self, name: str, reason: str | None = None) -> None:
		self._transition(name, policy.PAUSED, status_reason=reason)

	def resume(self, name: str) -> None:
		self._transition(name, policy.RUNNING, status_reason=None)

	def cancel(self, name: str) -> None:
		self._transition(name, policy.CANCELLED)

	def progress(self, name: str) -> dict[str, Any]:
		"""Counts per recipient state, from the rows, with the share that is settled."""
		counts = self.repository.progress(name)
		total = sum(counts.values())
		done = total - sum(counts.get(state, 0) for state in planning.OPEN_STATES)
		return {
			"counts": {state: counts.get(state, 0) for state in planning.RECIPIENT_STATES},
			"total": total,
			"done": done,
			"percent": round(100.0 * done / total, 1) if total else 0.0,
		}

	def validate(self, campaign: CampaignRecord) -> None:
		"""Raise `InvalidCampaign` for what would fail every recipient."""
		if not campaign.device:
			raise InvalidCampaign("Choose the WhatsApp Device the campaign sends from.")
		if campaign.message_type == rules.TEMPLATE:
			if not campaign.template_name:
				raise InvalidCampaign("Choose the approved template to send.")
			if campaign.template_parameter_count is not None:
				check_parameter_count(
					campaign.template_name, campaign.template_parameter_count, len(campaign.template_params)
				)
		elif not (campaign.text or "").strip() and not campaign.media_link:
			raise InvalidCampaign("Write the message to send, or choose a template.")
		self._schedule(campaign, campaign.scheduled_start or self._now())
		self._check_placeholders(campaign, [row.context for row in self._sendable(campaign.name)])

	def send_test(self, name: str, to: str, user: str | None) -> MessageRecord:
		"""Send the first recipient's message to `to` (the user's own number) now."""
		campaign = self.repository.get_campaign(name)
		self.validate(campaign)
		rows = self._sendable(name)
		if not rows:
			self._check_placeholders(campaign, [{}])
		context = (
			self._context(campaign, rows[0])
			if rows
			else {"recipient_name": "", "phone": to, "campaign": name}
		)
		device = self.messages.repository.get_device(campaign.device)
		message = self._message(campaign, device.name, to, context, key=None, reference=None)
		return self.messages.send(message)

	def _sendable(self, name: str) -> list[RecipientRow]:
		return [row for row in self.repository.recipients(name) if row.state != planning.SKIPPED]

	def _check_placeholders(self, campaign: CampaignRecord, contexts: list[Mapping[str, Any]]) -> None:
		"""A placeholder some recipient has no value for is an error now, not at send time."""
		template = campaign.message_type == rules.TEMPLATE
		sources = message_sources(
			None if template else campaign.text, campaign.template_params if template else ()
		)
		check_placeholders(sources, contexts)

	def _plan(self, inputs: list[RecipientInput]) -> planning.Plan:
		country = self.config.default_country
		numbers = [p.number for p in planning.plan_recipients(inputs, country, lambda number: False).to_send]
		opted_out = self.repository.opted_out(numbers)
		return planning.plan_recipients(inputs, country, opted_out.__contains__)

	def _begin_run(self, campaign: CampaignRecord, run: int, **values: Any) -> dict[str, int]:
		rows = self.repository.recipients(campaign.name)
		plan = self._plan([_as_input(row) for row in rows])
		skipped = {
			row.name: planned.skip_reason or ""
			for row, planned in zip(rows, plan.recipients, strict=True)
			if planned.state == planning.SKIPPED
		}
		self.repository.reset_for_run(campaign.name, run, skipped)
		self._set_status(campaign, policy.RUNNING, run=run, status_reason=None, **values)
		return plan.summary()

	def _transition(self, name: str, target: str, **values: Any) -> None:
		campaign = self.repository.get_campaign(name)
		policy.check_transition(campaign.status, target)
		self._set_status(campaign, target, **values)

	def _set_status(self, campaign: CampaignRecord, target: str, **values: Any) -> None:
		if not self.repository.update_campaign(campaign.name, [campaign.status], status=target, **values):
			raise CampaignStateError(
				f"Campaign {campaign.name} changed while it was being updated. Reload it and try again."
			)

	def _utc_now(self) -> datetime:
		return to_utc(self._now(), self._time_zone)

	def _schedule(self, campaign: CampaignRecord, start: datetime) -> Schedule:
		return Schedule(start, campaign.recurrence, campaign.repeat_until)

	# Dispatch

	def dispatch_device(
		self, device: str, *, owner: str | None = None, until: float | None = None
	) -> DispatchReport:
		"""Send the Running campaigns of `device` batch by batch until nothing is due (or the
		monotonic time `until`). One call is one dispatcher; several may run at once.
		`on_batch` (progress reports, heartbeats) runs after every batch that claimed rows."""
		owner = owner or uuid.uuid4().hex
		report = DispatchReport()
		while until is None or time.monotonic() < until:
			campaigns = self.repository.campaigns_with_status([policy.RUNNING], device)
			if not any([self._dispatch_once(campaign, owner, report) for campaign in campaigns]):
				if not self._wait_for_due(campaigns):
					break
		return report

	def _dispatch_once(self, campaign: CampaignRecord, owner: str, report: DispatchReport) -> bool:
		result = self.run_batch(campaign, owner)
		report.batches += 1 if result.claimed else 0
		report.sent += result.sent
		report.failed += result.failed
		if result.claimed:
			self._on_batch(campaign)
		return result.handled > result.deferred and result.stop_reason is None

	def _wait_for_due(self, campaigns: list[CampaignRecord]) -> bool:
		"""Sleep until the next deferred row (pair rate, short retry) is due, when that is soon;
		later ones are left to the scheduler's next tick. True if it waited."""
		due = [at for at in (self.repository.next_due(campaign.name) for campaign in campaigns) if at]
		if not due:
			return False
		wait = (min(due) - self._now()).total_seconds()
		if wait > self.config.campaign_idle_wait_seconds:
			return False
		self._sleep(max(wait, 0.0))
		return True

	def run_batch(self, campaign: CampaignRecord, owner: str) -> BatchResult:
		"""Claim one batch of `campaign`, send it, store the outcomes; finish the run when done."""
		now = self._now()
		try:
			device = self.messages.repository.get_device(campaign.device)
			sender = self.messages.senders.for_device(device, self.config)
		except WhatsAppError as error:
			self._auto_pause(campaign, str(error))
			return BatchResult(stop_reason=str(error))
		blocked = self._blocked(device, now)
		if blocked:
			return BatchResult(stop_reason=blocked)
		lease = timedelta(seconds=self.config.campaign_lease_seconds)
		rows = self.repository.claim(campaign.name, owner, now, now + lease, self._batch_limit(device, now))
		if not rows:
			self._finish_if_done(campaign)
			return BatchResult()
		batch = self._send_batch(_Batch(campaign, device, sender), rows, owner)
		self._after_batch(batch)
		return _result(batch, len(rows))

	def _send_batch(self, batch: _Batch, rows: list[RecipientRow], owner: str) -> _Batch:
		keys = {row.name: policy.idempotency_key(batch.campaign.name, row.name, row.run) for row in rows}
		known = self.journal.lookup(keys.values())
		known.update(self.repository.logged_sends(keys.values()))
		for row in rows:
			if batch.stop_reason or batch.slow_until:
				break
			outcome = self._handle(batch, row, keys[row.name], known.get(keys[row.name]))
			if outcome is None:
				break
			batch.outcomes.append(outcome)
		self.repository.save_outcomes(owner, batch.outcomes)
		self.repository.release(owner, [row.name for row in rows[len(batch.outcomes) :]])
		self.journal.forget(keys[outcome.name] for outcome in batch.outcomes)
		return batch

	def _handle(
		self, batch: _Batch, row: RecipientRow, key: str, known: str | None
	) -> RecipientOutcome | None:
		"""The outcome for one claimed row; None when pacing says stop here (row released)."""
		now = self._now()
		if known == IN_DOUBT:
			return RecipientOutcome(
				row.name, planning.FAILED, row.attempts + 1, now, last_error=IN_DOUBT_REASON
			)
		try:
			record = self._record(batch, row, key)
		except WhatsAppError as error:
			return RecipientOutcome(row.name, planning.FAILED, row.attempts + 1, now, last_error=str(error))
		if known:
			return _sent(row, record, known, now)
		wait = self._pair_wait(batch.device, record.to_number or "")
		if wait > 0:
			return RecipientOutcome(
				row.name,
				planning.PENDING,
				row.attempts,
				now,
				next_attempt_at=now + _at_least(wait),
				attempted=False,
			)
		try:
			self._pace(batch)
		except RateLimited:
			return None
		return self._send(batch, row, record, key)

	def _send(self, batch: _Batch, row: RecipientRow, record: MessageRecord, key: str) -> RecipientOutcome:
		self.journal.begin(key)
		try:
			receipt = dispatch(batch.sender, record)
		except SendFailed as failure:
			self.journal.finish(key, None)
			return self._failed(batch, row, record, failure)
		self.journal.finish(key, receipt.message_id)
		return _sent(row, record, receipt.message_id, self._now())

	def _failed(
		self, batch: _Batch, row: RecipientRow, record: MessageRecord, failure: SendFailed
	) -> RecipientOutcome:
		now, attempts, reason = self._now(), row.attempts + 1, failure.reason
		decision = policy.decide(failure.action, attempts, self.config, self._rand)
		common = {"last_error": reason, "error_code": failure.code}
		if decision.outcome == policy.PAUSE_CAMPAIGN:
			batch.stop_reason = reason
			return RecipientOutcome(row.name, planning.PENDING, row.attempts, now, **common)
		if decision.suppress_number:
			self.messages.repository.add_opt_out(record.to_number or "", reason, "Meta")
			skip = f"{planning.SKIP_OPTED_OUT}: {reason}"
			return RecipientOutcome(row.name, planning.SKIPPED, attempts, now, skip_reason=skip, **common)
		if decision.outcome == policy.RETRY_LATER:
			retry_at = now + timedelta(seconds=decision.delay or 0.0)
			if decision.slow_device_for:
				batch.slow_until = now + timedelta(seconds=decision.slow_device_for)
			return RecipientOutcome(
				row.name, planning.PENDING, attempts, now, next_attempt_at=retry_at, **common
			)
		log = apply_outcome(record, _log_outcome(LOG_FAILED, now, attempts, failure))
		return RecipientOutcome(row.name, planning.FAILED, attempts, now, log=log, **common)

	def _record(self, batch: _Batch, row: RecipientRow, key: str) -> MessageRecord:
		context = self._context(batch.campaign, row)
		reference = (row.reference_doctype, row.reference_name) if row.reference_name else None
		message = self._message(batch.campaign, batch.device.name, row.number, context, key, reference)
		return self.messages.build_record(message, batch.device)

	def _message(
		self,
		campaign: CampaignRecord,
		device: str,
		to: str,
		context: Mapping[str, Any],
		key: str | None,
		reference: tuple[str | None, str | None] | None,
	) -> rules.OutboundMessage:
		doctype, docname = reference or (None, None)
		common: dict[str, Any] = {"to": to, "device": device, "idempotency_key": key, "callback_data": key}
		common.update(reference_doctype=doctype, reference_name=docname)
		if campaign.message_type == rules.TEMPLATE:
			parameters = render_parameters(campaign.template_params, context, self._render)
			template = rules.Template(
				campaign.template_name or "", campaign.template_language or "en_US", parameters
			)
			return rules.OutboundMessage(message_type=rules.TEMPLATE, template=template, **common)
		text = render_text(campaign.text or "", context, self._render) if campaign.text else None
		if campaign.media_link:
			media = rules.Media(campaign.message_type, campaign.media_link, caption=text or None)
			return rules.OutboundMessage(message_type=campaign.message_type, media=media, **common)
		return rules.OutboundMessage(message_type=rules.TEXT, text=text, **common)

	def _context(self, campaign: CampaignRecord, row: RecipientRow) -> dict[str, Any]:
		return {
			**row.context,
			"recipient_name": row.recipient_name or "",
			"phone": row.number,
			"campaign": campaign.name,
		}

	# Pacing, caps and the end of a run

	def _pair_wait(self, device: DeviceProfile, number: str) -> float:
		"""Seconds until Meta's pair rate allows another message to `number` (0: send now)."""
		gap = self.config.pair_rate_seconds
		if gap <= 0:
			return 0.0
		return self.messages.limiter.try_acquire(f"pair:{device.name}:{number}", 1.0 / gap, 1.0)

	def _pace(self, batch: _Batch) -> None:
		"""Take a token from the device's bucket (shared with single sends and other workers).
		Burst 1 spaces sends evenly; the guard keeps R sends a little over a second apart, so
		jitter between the token and the request's arrival never puts R + 1 into one second."""
		rate = self.send_rate(batch.campaign) * (1.0 - min(self.config.campaign_pacing_guard, 0.5))
		acquire(
			self.messages.limiter,
			f"device:{batch.device.name}",
			rate,
			1.0,
			max_wait=self.config.campaign_pacing_wait_seconds,
			sleep=self._sleep,
			what=f"device {batch.device.name}",
		)

	def send_rate(self, campaign: CampaignRecord) -> float:
		"""Messages per second: the campaign's cap, never above the Settings' device rate."""
		ceiling = self.config.send_rate_per_second
		return min(campaign.throughput_cap, ceiling) if campaign.throughput_cap > 0 else ceiling

	def _blocked(self, device: DeviceProfile, now: datetime) -> str | None:
		cooldown = self.repository.device_cooldown(device.name)
		if cooldown and cooldown > now:
			return f"Meta asked device {device.name} to slow down; sending resumes at {cooldown:%H:%M:%S}."
		if device.daily_cap > 0 and self._batch_limit(device, now) == 0:
			return f"Device {device.name} has sent its daily cap of {device.daily_cap} messages today."
		return None

	def _batch_limit(self, device: DeviceProfile, now: datetime) -> int:
		size = self.config.campaign_batch_size
		if device.daily_cap <= 0:
			return size
		start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
		used = self.messages.repository.count_outbound_since(device.name, start_of_day)
		return max(0, min(size, device.daily_cap - used))

	def _after_batch(self, batch: _Batch) -> None:
		campaign = batch.campaign
		if batch.slow_until:
			self.repository.set_device_cooldown(batch.device.name, batch.slow_until)
		if batch.stop_reason:
			self._auto_pause(campaign, batch.stop_reason)
			return
		window = self.config.campaign_failure_window
		threshold = campaign.auto_pause_failure_rate or self.config.campaign_auto_pause_failure_rate
		recent = self.repository.recent_failures(campaign.name, window)
		reason = policy.auto_pause_reason(recent, window, threshold)
		if reason:
			self._auto_pause(campaign, reason)

	def _auto_pause(self, campaign: CampaignRecord, reason: str) -> None:
		if self.repository.update_campaign(
			campaign.name, [policy.RUNNING], status=policy.PAUSED, status_reason=reason
		):
			self._notify(campaign, reason)

	def _finish_if_done(self, campaign: CampaignRecord) -> None:
		counts = self.repository.progress(campaign.name)
		if any(counts.get(state) for state in planning.OPEN_STATES):
			return
		following = self._following_run(campaign)
		if following:
			run, at = following
			self.repository.update_campaign(
				campaign.name, [policy.RUNNING], status=policy.SCHEDULED, run=run, next_run_at=at
			)
		elif counts.get(planning.FAILED) and not any(counts.get(state) for state in planning.SUCCESS_STATES):
			reason = (
				f"All {counts[planning.FAILED]} attempted recipients failed; see their errors in Recipients."
			)
			self.repository.update_campaign(
				campaign.name, [policy.RUNNING], status=policy.FAILED, status_reason=reason
			)
		else:
			self.repository.update_campaign(campaign.name, [policy.RUNNING], status=policy.COMPLETED)

	def _following_run(self, campaign: CampaignRecord) -> tuple[int, datetime] | None:
		"""The next run of a recurring campaign; a run whose time passed while this one was
		sending is skipped (never two runs back to back)."""
		if not campaign.scheduled_start:
			return None
		schedule = self._schedule(campaign, campaign.scheduled_start)
		following = run_after(schedule, campaign.run)
		if following and following[1] < self._now():
			return next_run(schedule, self._now())
		return following


def _at_least(seconds: float) -> timedelta:
	"""`seconds` rounded up to datetime's microsecond, so a wait never becomes no wait."""
	return timedelta(microseconds=math.ceil(seconds * 1_000_000))


def _sent(row: RecipientRow, record: MessageRecord, wamid: str, now: datetime) -> RecipientOutcome:
	log = apply_outcome(record, SendOutcome(LOG_SENT, now, row.attempts + 1, wamid=wamid))
	return RecipientOutcome(row.name, planning.SENT, row.attempts + 1, now, wamid=wamid, log=log)


def _log_outcome(status: str, now: datetime, attempts: int, failure: SendFailed) -> SendOutcome:
	return SendOutcome(
		status,
		now,
		attempts,
		error_code=failure.code,
		error_title=failure.title,
		error_reason=failure.reason,
		error_action=failure.action.value,
	)


def _result(batch: _Batch, claimed: int) -> BatchResult:
	states = [outcome.state for outcome in batch.outcomes]
	return BatchResult(
		claimed=claimed,
		handled=len(states),
		sent=states.count(planning.SENT),
		failed=states.count(planning.FAILED),
		deferred=states.count(planning.PENDING),
		stop_reason=batch.stop_reason,
	)


def _as_input(row: RecipientRow) -> RecipientInput:
	return RecipientInput(
		row.number, row.recipient_name, row.reference_doctype, row.reference_name, row.context
	)


def _new_recipient(planned: planning.PlannedRecipient) -> NewRecipient:
	source = planned.source
	return NewRecipient(
		planned.number or source.number,
		source.recipient_name,
		source.reference_doctype,
		source.reference_name,
		dict(source.context),
		planned.state,
		planned.skip_reason,
	)
