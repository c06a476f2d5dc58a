"""Campaigns: plan recipients, start, schedule, pause, resume, cancel, report progress.

Sending is the dispatcher's (`services.campaign_dispatch`): leased batches, paced, each send
checked against its idempotency key. Progress is always counted from the recipient rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from whatsapp_integration.services.campaign_messages import outbound_message, recipient_context

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.rendering import (
	Renderer,
	check_parameter_count,
	check_placeholders,
	message_sources,
	sandboxed_render,
)
from whatsapp_integration.core.campaign.schedule import Schedule, is_due, to_utc
from whatsapp_integration.core.errors import CampaignStateError, InvalidCampaign
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.services.campaign_dispatch import (
	BatchResult,
	CampaignDispatcher,
	DispatchReport,
	Notifier,
)
from whatsapp_integration.services.campaign_repository import (
	CampaignRecord,
	CampaignRepository,
	NewRecipient,
	RecipientRow,
)
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.send_journal import SendJournal


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
		self._render = render
		self._time_zone = time_zone
		self._now = now
		self.dispatcher = CampaignDispatcher(
			repository,
			messages,
			journal,
			render=render,
			notify=notify or (lambda campaign, reason: None),
			on_batch=on_batch or (lambda campaign: None),
			now=now,
			sleep=sleep,
			rand=rand,
		)

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
		"""Start now, or schedule for the campaign's start time; returns the new status. A Paused
		campaign resumes its run; a Scheduled one keeps its run and starts only when it is due."""
		campaign = self.repository.get_campaign(name)
		self.validate(campaign)
		if campaign.status == policy.PAUSED:
			self._set_status(campaign, policy.RUNNING, status_reason=None)
			return policy.RUNNING
		if campaign.status == policy.SCHEDULED and campaign.next_run_at:
			return policy.RUNNING if self._start_if_due(campaign, self._utc_now()) else policy.SCHEDULED
		start = campaign.scheduled_start or self._now()
		run = _run_to_start(campaign)
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
			if self._start_if_due(campaign, now_utc):
				started.append(campaign.name)
		return started

	def _start_if_due(self, campaign: CampaignRecord, now_utc: datetime) -> bool:
		"""Begin the Scheduled run of `campaign` (its own run number) if its time has come."""
		if not (campaign.next_run_at and is_due(campaign.next_run_at, self._time_zone, now_utc)):
			return False
		self._begin_run(campaign, campaign.run)
		return True

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
		if campaign.message_type == MessageType.TEMPLATE:
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
			recipient_context(campaign, rows[0])
			if rows
			else {"recipient_name": "", "phone": to, "campaign": name}
		)
		device = self.messages.repository.get_device(campaign.device)
		message = outbound_message(campaign, device.name, to, context, None, None, self._render)
		return self.messages.send(message)

	def _sendable(self, name: str) -> list[RecipientRow]:
		return [row for row in self.repository.recipients(name) if row.state != planning.SKIPPED]

	def _check_placeholders(self, campaign: CampaignRecord, contexts: list[Mapping[str, Any]]) -> None:
		"""A placeholder some recipient has no value for is an error now, not at send time."""
		template = campaign.message_type == MessageType.TEMPLATE
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

	# Dispatch (services.campaign_dispatch)

	def dispatch_device(
		self, device: str, *, owner: str | None = None, until: float | None = None
	) -> DispatchReport:
		return self.dispatcher.dispatch_device(device, owner=owner, until=until)

	def run_batch(self, campaign: CampaignRecord, owner: str) -> BatchResult:
		return self.dispatcher.run_batch(campaign, owner)


def _run_to_start(campaign: CampaignRecord) -> int:
	"""A failed campaign started again is a new run: new idempotency keys, so the retried
	recipients get new Message Log rows next to the failed ones. A Scheduled one keeps its run."""
	if campaign.status == policy.FAILED:
		return campaign.run + 1
	return campaign.run if campaign.status == policy.SCHEDULED else 0


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
