"""Campaign dispatch: leased batches sent through the send path, paced against the clock.

One dispatcher per device claims due recipient rows with a lease, sends each through the
message service's pieces (`build_record` validates, `dispatch` calls the sender) under the
device's shared token bucket and Meta's pair rate, and stores the batch's outcomes in bulk.
The idempotency key of each (campaign, recipient, run) is checked (send journal and Message
Log) before every send and travels as `biz_opaque_callback_data`, so a resumed campaign never
sends twice. Opt-outs are read again after the claim, just before the batch is sent; while it
runs, the campaign's status is re-read every few sends (a Pause or Cancel stops the batch and
gives the rest back) and the batch's lease is renewed before half of it has passed.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.rendering import Renderer
from whatsapp_integration.core.campaign.schedule import Schedule, next_run, run_after
from whatsapp_integration.core.errors import RateLimited, SendFailed, WhatsAppError
from whatsapp_integration.core.ratelimit import pace
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.send_budget import worst_case_seconds
from whatsapp_integration.senders.base import WhatsAppSender
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services import campaign_outcomes as outcomes
from whatsapp_integration.services.campaign_messages import outbound_message, recipient_context
from whatsapp_integration.services.campaign_repository import (
	CampaignRecord,
	CampaignRepository,
	RecipientOutcome,
	RecipientRow,
)
from whatsapp_integration.services.message_service import MessageService, dispatch
from whatsapp_integration.services.send_journal import IN_DOUBT, SendJournal

Notifier = Callable[[CampaignRecord, str], None]
# A batch re-reads its campaign's status after this many sends or seconds, whichever comes first.
STATUS_EVERY_SENDS = 5
STATUS_EVERY_SECONDS = 2.0


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


@dataclass
class _Batch:
	campaign: CampaignRecord
	device: DeviceProfile
	sender: WhatsAppSender
	owner: str
	rows: list[RecipientRow]
	lease: timedelta
	send_budget: timedelta
	checked_at: datetime
	renew_at: datetime
	outcomes: list[RecipientOutcome] = field(default_factory=list)
	stop_reason: str | None = None
	halted: str | None = None
	slow_until: datetime | None = None
	sends_since_check: int = 0


class CampaignDispatcher:
	def __init__(
		self,
		repository: CampaignRepository,
		messages: MessageService,
		journal: SendJournal,
		*,
		render: Renderer,
		notify: Notifier,
		on_batch: Callable[[CampaignRecord], None],
		now: Callable[[], datetime] = datetime.now,
		sleep: Callable[[float], None] = time.sleep,
		rand: Callable[[], float] = random.random,
	) -> None:
		self.repository = repository
		self.messages = messages
		self.config = messages.config
		self.journal = journal
		self._render = render
		self._notify = notify
		self._on_batch = on_batch
		self._now = now
		self._sleep = sleep
		self._rand = rand

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
		lease, send = self._lease(device)
		rows = self.repository.claim(campaign.name, owner, now, now + lease, self._batch_limit(device, now))
		if not rows:
			self._finish_if_done(campaign)
			return BatchResult()
		batch = _Batch(campaign, device, sender, owner, rows, lease, send, now, now + lease - send)
		self._send_batch(batch)
		self._after_batch(batch)
		return _result(batch)

	def _lease(self, device: DeviceProfile) -> tuple[timedelta, timedelta]:
		"""(the batch's lease, the time one send may take at worst with its pacing wait). The
		lease is renewed before each send that could outlast it, so it is at least twice that
		time (a renewal every few sends, not every send)."""
		send = worst_case_seconds(device.mode, self.config) + self.config.campaign_pacing_wait_seconds
		return timedelta(seconds=max(self.config.campaign_lease_seconds, 2 * send)), timedelta(seconds=send)

	def _send_batch(self, batch: _Batch) -> None:
		keys = {
			row.name: policy.idempotency_key(batch.campaign.name, row.name, row.run) for row in batch.rows
		}
		known = self.journal.lookup(keys.values())
		known.update(self.repository.logged_sends(keys.values()))
		# After the claim, just before sending: an opt-out since the campaign was planned holds.
		opted_out = self.repository.opted_out({row.number for row in batch.rows})
		for row in batch.rows:
			if batch.stop_reason or batch.slow_until or not self._keep_going(batch):
				break
			outcome = self._handle(batch, row, keys[row.name], known.get(keys[row.name]), opted_out)
			if outcome is None:
				break
			batch.outcomes.append(outcome)
		self.repository.save_outcomes(batch.owner, batch.outcomes)
		self.repository.release(batch.owner, [row.name for row in batch.rows[len(batch.outcomes) :]])
		self.journal.forget(keys[outcome.name] for outcome in batch.outcomes)

	def _keep_going(self, batch: _Batch) -> bool:
		"""Renew the batch's lease before a send could outlast it; every few sends re-read the
		campaign's status. False once the campaign is no longer Running (paused, cancelled) or
		another dispatcher took rows over (their lease had expired: never send them twice)."""
		now = self._now()
		if now >= batch.renew_at:
			names = [row.name for row in batch.rows]
			if self.repository.renew_lease(batch.owner, names, now + batch.lease) < len(names):
				batch.halted = f"Another dispatcher took over rows of campaign {batch.campaign.name}."
				return False
			batch.renew_at = now + batch.lease - batch.send_budget
		every = timedelta(seconds=STATUS_EVERY_SECONDS)
		if batch.sends_since_check < STATUS_EVERY_SENDS and now - batch.checked_at < every:
			return True
		batch.checked_at, batch.sends_since_check = now, 0
		status = self.repository.campaign_status(batch.campaign.name)
		if status != policy.RUNNING:
			batch.halted = f"Campaign {batch.campaign.name} is {status}."
		return batch.halted is None

	def _handle(
		self, batch: _Batch, row: RecipientRow, key: str, known: str | None, opted_out: set[str]
	) -> RecipientOutcome | None:
		"""The outcome for one claimed row; None when pacing says stop here (row released)."""
		now = self._now()
		if known == IN_DOUBT:
			return outcomes.in_doubt(row, now)
		try:
			record = self._record(batch, row, key)
		except WhatsAppError as error:
			return RecipientOutcome(row.name, planning.FAILED, row.attempts + 1, now, last_error=str(error))
		if known:
			return outcomes.sent(row, record, known, now)
		if row.number in opted_out:
			return outcomes.opted_out(row, now)
		wait = self._pair_wait(batch.device, record.to_number or "")
		if wait > 0:
			return outcomes.deferred(row, now, wait)
		try:
			self._pace(batch)
		except RateLimited:
			return None
		return self._send(batch, row, record, key)

	def _send(self, batch: _Batch, row: RecipientRow, record: MessageRecord, key: str) -> RecipientOutcome:
		self.journal.begin(key)
		batch.sends_since_check += 1
		try:
			receipt = dispatch(batch.sender, record)
		except SendFailed as failure:
			self.journal.finish(key, None)
			return self._failed(batch, row, record, failure)
		except WhatsAppError as refusal:
			# Refused before anything went out (rate limit, daily cap, device not ready): the
			# note goes, the recipient waits, and so does the device.
			self.journal.finish(key, None)
			outcome = outcomes.refused(row, self._now(), refusal, self.config.retry_backoff_seconds)
			batch.slow_until = outcome.next_attempt_at
			return outcome
		self.journal.finish(key, receipt.message_id)
		return outcomes.sent(row, record, receipt.message_id, self._now())

	def _failed(
		self, batch: _Batch, row: RecipientRow, record: MessageRecord, failure: SendFailed
	) -> RecipientOutcome:
		now = self._now()
		decision = policy.decide(failure.action, row.attempts + 1, self.config, self._rand)
		if decision.outcome == policy.PAUSE_CAMPAIGN:
			batch.stop_reason = failure.reason
		if decision.suppress_number:
			self.messages.repository.add_opt_out(record.to_number or "", failure.reason, "Meta")
		if decision.slow_device_for:
			batch.slow_until = now + timedelta(seconds=decision.slow_device_for)
		return outcomes.after_failure(row, record, failure, decision, now)

	def _record(self, batch: _Batch, row: RecipientRow, key: str) -> MessageRecord:
		context = recipient_context(batch.campaign, row)
		reference = (row.reference_doctype, row.reference_name) if row.reference_name else None
		message = outbound_message(
			batch.campaign, batch.device.name, row.number, context, key, reference, self._render
		)
		return self.messages.build_record(message, batch.device)

	# Pacing, caps and the end of a run

	def _pair_wait(self, device: DeviceProfile, number: str) -> float:
		"""Seconds until Meta's pair rate allows another message to `number` (0: send now)."""
		gap = self.config.pair_rate_seconds
		if gap <= 0:
			return 0.0
		return self.messages.limiter.try_acquire(f"pair:{device.name}:{number}", 1.0 / gap, 1.0)

	def _pace(self, batch: _Batch) -> None:
		"""Sleep for the next slot of the device's bucket (shared with single sends and other
		workers): slots come every 1/R s against the clock, so the send time never adds to the
		gap. Burst 1 spaces sends evenly; the guard keeps R sends a little over a second apart,
		so jitter between the slot and the request's arrival never puts R + 1 into one second:
		a send may start at most half of that margin after its slot, or it takes the next slot."""
		guard = min(self.config.campaign_pacing_guard, 0.5)
		pace(
			self.messages.limiter,
			f"device:{batch.device.name}",
			self.send_rate(batch.campaign) * (1.0 - guard),
			1.0,
			max_wait=self.config.campaign_pacing_wait_seconds,
			slack=guard / (1.0 - guard) / 2,
			sleep=self._sleep,
			clock=lambda: self._now().timestamp(),
			what=f"device {batch.device.name}",
		)

	def send_rate(self, campaign: CampaignRecord) -> float:
		"""Messages per second: the campaign's cap, never above the Settings' device rate."""
		ceiling = self.config.send_rate_per_second
		return min(campaign.throughput_cap, ceiling) if campaign.throughput_cap > 0 else ceiling

	def _blocked(self, device: DeviceProfile, now: datetime) -> str | None:
		cooldown = self.repository.device_cooldown(device.name)
		if cooldown and cooldown > now:
			return f"Device {device.name} has to wait; sending resumes at {cooldown:%H:%M:%S}."
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
		schedule = Schedule(campaign.scheduled_start, campaign.recurrence, campaign.repeat_until)
		following = run_after(schedule, campaign.run)
		if following and following[1] < self._now():
			return next_run(schedule, self._now())
		return following


def _result(batch: _Batch) -> BatchResult:
	states = [outcome.state for outcome in batch.outcomes]
	return BatchResult(
		claimed=len(batch.rows),
		handled=len(states),
		sent=states.count(planning.SENT),
		failed=states.count(planning.FAILED),
		deferred=states.count(planning.PENDING),
		stop_reason=batch.stop_reason or batch.halted,
	)
