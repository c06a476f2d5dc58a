"""Campaign dispatch: leased batches sent through the send path, paced against the clock.

One dispatcher per device claims due recipient rows with a lease, sends each through the
send path's pieces, injected (`batch_builder` gives each batch its validating `build_record`,
`dispatch` calls the sender), under the device's shared token bucket and Meta's pair rate
(`core.campaign.pacing`), and stores the batch's outcomes in bulk; the lifecycle service ends the run or pauses the campaign.
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

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign import outcomes, policy
from whatsapp_integration.core.campaign.compose import outbound_message, recipient_context
from whatsapp_integration.core.campaign.outcomes import IN_DOUBT
from whatsapp_integration.core.campaign.pacing import batch_lease, batch_size, pacing, pair_rate, send_rate
from whatsapp_integration.core.campaign.records import CampaignRecord, RecipientOutcome, RecipientRow
from whatsapp_integration.core.campaign.rendering import Renderer, sandboxed_render
from whatsapp_integration.core.caps import cap_reached_reason, has_daily_cap, start_of_day
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import RateLimited, SendFailed, WhatsAppError, WindowClosed
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.ratelimit import RateLimiter, pace
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import CampaignStatus, RecipientState
from whatsapp_integration.senders.base import WhatsAppSender
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.services.campaign_repository import CampaignRepository, DeviceLedger
from whatsapp_integration.services.campaign_service import CampaignService
from whatsapp_integration.services.message_service import dispatch
from whatsapp_integration.services.send_journal import SendJournal

RecordBuilder = Callable[[rules.OutboundMessage, DeviceProfile], MessageRecord]
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
	build: RecordBuilder
	outcomes: list[RecipientOutcome] = field(default_factory=list)
	stop_reason: str | None = None
	halted: str | None = None
	slow_until: datetime | None = None
	sends_since_check: int = 0


class CampaignDispatcher:
	def __init__(
		self,
		repository: CampaignRepository,
		journal: SendJournal,
		lifecycle: CampaignService,
		*,
		config: WhatsAppConfig,
		devices: DeviceLedger,
		senders: SenderFactory,
		limiter: RateLimiter,
		batch_builder: Callable[[], RecordBuilder],
		render: Renderer = sandboxed_render,
		on_batch: Callable[[CampaignRecord], None] | None = None,
		now: Callable[[], datetime] = datetime.now,
		sleep: Callable[[float], None] = time.sleep,
		rand: Callable[[], float] = random.random,
	) -> None:
		self.repository = repository
		self.journal = journal
		self.lifecycle = lifecycle
		self.config = config
		self._devices = devices
		self._senders = senders
		self._limiter = limiter
		self._batch_builder = batch_builder
		self._render = render
		self._on_batch = on_batch or (lambda campaign: None)
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
			campaigns = self.repository.campaigns_with_status([CampaignStatus.RUNNING], device)
			if not any([self._dispatch_once(campaign, device, owner, report) for campaign in campaigns]):
				if not self._wait_for_due(campaigns):
					break
		return report

	def _dispatch_once(
		self, campaign: CampaignRecord, device: str, owner: str, report: DispatchReport
	) -> bool:
		result = self.run_batch(campaign, owner, device)
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

	def run_batch(self, campaign: CampaignRecord, owner: str, device_name: str | None = None) -> BatchResult:
		"""Claim one batch of `campaign` (of the rows routed to `device_name` when the campaign
		uses several devices), send it, store the outcomes; finish the run when done."""
		now = self._now()
		routed = device_name if campaign.devices else None
		try:
			device = self._devices.get_device(device_name or campaign.device)
			sender = self._senders.for_device(device, self.config)
		except WhatsAppError as error:
			if not routed:  # one device of several: routing takes its recipients to the others
				self.lifecycle.auto_pause(campaign, str(error))
			return BatchResult(stop_reason=str(error))
		limit, blocked = self._room(device, now)
		if blocked:
			return BatchResult(stop_reason=blocked)
		lease, send = batch_lease(device.mode, self.config)
		rows = self.repository.claim(campaign.name, owner, now, now + lease, limit, routed)
		if not rows:
			self.lifecycle.finish(campaign)
			return BatchResult()
		build = self._batch_builder()
		batch = _Batch(campaign, device, sender, owner, rows, lease, send, now, now + lease - send, build)
		self._send_batch(batch)
		self._after_batch(batch)
		return _result(batch)

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
		if status != CampaignStatus.RUNNING:
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
		except WindowClosed as closed:
			return outcomes.window_closed(row, now, str(closed))
		except WhatsAppError as error:
			return RecipientOutcome(
				row.name, RecipientState.FAILED, row.attempts + 1, now, last_error=str(error)
			)
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
			self._devices.add_opt_out(record.to_number or "", failure.reason, "Meta")
		if decision.slow_device_for:
			batch.slow_until = now + timedelta(seconds=decision.slow_device_for)
		return outcomes.after_failure(row, record, failure, decision, now)

	def _record(self, batch: _Batch, row: RecipientRow, key: str) -> MessageRecord:
		context = recipient_context(batch.campaign, row)
		reference = (row.reference_doctype, row.reference_name) if row.reference_name else None
		message = outbound_message(
			batch.campaign, batch.device.name, row.number, context, key, reference, self._render
		)
		return batch.build(message, batch.device)

	# Pacing and caps (the rules: core.campaign.pacing, core.caps)

	def _pair_wait(self, device: DeviceProfile, number: str) -> float:
		"""Seconds until Meta's pair rate allows another message to `number` (0: send now)."""
		rate = pair_rate(self.config.pair_rate_seconds)
		if rate is None:
			return 0.0
		return self._limiter.try_acquire(f"pair:{device.name}:{number}", rate, 1.0)

	def _pace(self, batch: _Batch) -> None:
		"""Sleep for the campaign's next slot of the device's bucket (shared with single sends
		and other workers); see `core.campaign.pacing`."""
		rate = send_rate(batch.campaign.throughput_cap, self.config.send_rate_per_second)
		slot = pacing(rate, self.config.campaign_pacing_guard)
		pace(
			self._limiter,
			f"device:{batch.device.name}",
			slot.rate,
			slot.burst,
			max_wait=self.config.campaign_pacing_wait_seconds,
			slack=slot.slack,
			sleep=self._sleep,
			clock=lambda: self._now().timestamp(),
			what=_("device {device}").format(device=batch.device.name),
		)

	def _room(self, device: DeviceProfile, now: datetime) -> tuple[int, str | None]:
		"""(the rows the next batch may claim, why it may claim none): a device cooling down
		waits; the daily cap bounds the batch."""
		cooldown = self.repository.device_cooldown(device.name)
		if cooldown and cooldown > now:
			return 0, _("Device {device} has to wait; sending resumes at {time}.").format(
				device=device.name, time=f"{cooldown:%H:%M:%S}"
			)

		used = (
			self._devices.count_outbound_since(device.name, start_of_day(now))
			if has_daily_cap(device.daily_cap)
			else 0
		)
		limit = batch_size(self.config.campaign_batch_size, device.daily_cap, used)
		return limit, None if limit else cap_reached_reason(device.name, device.daily_cap)

	def _after_batch(self, batch: _Batch) -> None:
		campaign = batch.campaign
		if batch.slow_until:
			self.repository.set_device_cooldown(batch.device.name, batch.slow_until)
		if batch.stop_reason:
			self.lifecycle.auto_pause(campaign, batch.stop_reason)
			return
		window = self.config.campaign_failure_window
		threshold = campaign.auto_pause_failure_rate or self.config.campaign_auto_pause_failure_rate
		recent = self.repository.recent_failures(campaign.name, window)
		reason = policy.auto_pause_reason(recent, window, threshold)
		if reason:
			self.lifecycle.auto_pause(campaign, reason)


def _result(batch: _Batch) -> BatchResult:
	states = [outcome.state for outcome in batch.outcomes]
	return BatchResult(
		claimed=len(batch.rows),
		handled=len(states),
		sent=states.count(RecipientState.SENT),
		failed=states.count(RecipientState.FAILED),
		deferred=states.count(RecipientState.PENDING),
		stop_reason=batch.stop_reason or batch.halted,
	)
