"""Campaigns' lifecycle: plan recipients, start, schedule, pause, resume, cancel, finish a run,
report progress, send a test.

Sending is the dispatcher's (`services.campaign_dispatch`); it hands a run back here when it
ends (`finish`) or must stop (`auto_pause`). Every status change is a conditional update, and
progress is always counted from the recipient rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.compose import outbound_message, recipient_context
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.records import CampaignRecord, NewRecipient, RecipientRow
from whatsapp_integration.core.campaign.rendering import (
	Renderer,
	check_parameter_count,
	check_placeholders,
	message_sources,
	sandboxed_render,
)
from whatsapp_integration.core.campaign.schedule import Schedule, is_due, next_run, run_after, to_utc
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import CampaignStateError, InvalidCampaign
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.templates.status import unusable
from whatsapp_integration.core.vocabulary import CampaignStatus, MessageType, RecipientState
from whatsapp_integration.services.campaign_repository import CampaignRepository, DeviceLedger

Notifier = Callable[[CampaignRecord, str], None]
Sender = Callable[[rules.OutboundMessage], MessageRecord]


class Router(Protocol):
	"""Routes a multi-device campaign's recipients (services.campaign_routing.CampaignRouter)."""

	def route(self, campaign: CampaignRecord) -> object: ...

	def progress_by_device(self, campaign: str) -> dict[str, dict[str, int]]: ...


class CampaignService:
	def __init__(
		self,
		repository: CampaignRepository,
		*,
		config: WhatsAppConfig,
		devices: DeviceLedger,
		send: Sender,
		render: Renderer = sandboxed_render,
		notify: Notifier | None = None,
		router: Router | None = None,
		time_zone: str = "UTC",
		now: Callable[[], datetime] = datetime.now,
	) -> None:
		self.repository = repository
		self._router = router
		self.config = config
		self._devices = devices
		self._send = send
		self._render = render
		self._notify = notify or (lambda campaign, reason: None)
		self._time_zone = time_zone
		self._now = now

	# Recipients and lifecycle

	def add_recipients(self, name: str, inputs: Iterable[RecipientInput]) -> dict[str, int]:
		"""Store recipients. Invalid numbers and duplicates (also of rows added before) are
		stored Skipped with the reason, so they are reported before the campaign starts."""
		kept = [_as_input(row) for row in self._sendable(name)]
		plan = self._plan([*kept, *inputs])
		new = planning.Plan(plan.recipients[len(kept) :])
		self.repository.add_recipients(name, [_new_recipient(planned) for planned in new.recipients])
		return new.summary()

	def start(self, name: str) -> str:
		"""Start now, or schedule for the campaign's start time; returns the new status. A Paused
		campaign resumes its run; a Scheduled one keeps its run and starts only when it is due."""
		campaign = self.repository.get_campaign(name)
		self.validate(campaign)
		if campaign.status == CampaignStatus.PAUSED:
			self._set_status(campaign, CampaignStatus.RUNNING, status_reason=None)
			self._route(name)
			return CampaignStatus.RUNNING
		if campaign.status == CampaignStatus.SCHEDULED and campaign.next_run_at:
			started = self._start_if_due(campaign, self._utc_now())
			return CampaignStatus.RUNNING if started else CampaignStatus.SCHEDULED
		start = campaign.scheduled_start or self._now()
		run = _run_to_start(campaign)
		if not is_due(start, self._time_zone, self._utc_now()):
			policy.check_transition(campaign.status, CampaignStatus.SCHEDULED)
			self._set_status(
				campaign, CampaignStatus.SCHEDULED, run=run, next_run_at=start, scheduled_start=start
			)
			return CampaignStatus.SCHEDULED
		policy.check_transition(campaign.status, CampaignStatus.RUNNING)
		self._begin_run(campaign, run, scheduled_start=start)
		return CampaignStatus.RUNNING

	def start_due(self, now_utc: datetime | None = None) -> list[str]:
		"""Start every Scheduled campaign whose run time has come; returns their names."""
		now_utc = now_utc or self._utc_now()
		started = []
		for campaign in self.repository.campaigns_with_status([CampaignStatus.SCHEDULED]):
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
		self._transition(name, CampaignStatus.PAUSED, status_reason=reason)

	def resume(self, name: str) -> None:
		_check_template(self.repository.get_campaign(name))
		self._transition(name, CampaignStatus.RUNNING, status_reason=None)
		self._route(name)

	def cancel(self, name: str) -> None:
		self._transition(name, CampaignStatus.CANCELLED)

	def auto_pause(self, campaign: CampaignRecord, reason: str) -> None:
		"""Pause a Running campaign the dispatcher must stop, and tell the managers why."""
		if self.repository.update_campaign(
			campaign.name, [CampaignStatus.RUNNING], status=CampaignStatus.PAUSED, status_reason=reason
		):
			self._notify(campaign, reason)

	def finish(self, campaign: CampaignRecord) -> None:
		"""End the run once no recipient is open: schedule the next run of a recurring campaign,
		else Failed when every attempted recipient failed, else Completed."""
		counts = self.repository.progress(campaign.name)
		if any(counts.get(state) for state in planning.OPEN_STATES):
			return
		following = self._following_run(campaign)
		if following:
			run, at = following
			self._end_run(campaign, CampaignStatus.SCHEDULED, run=run, next_run_at=at)
		elif counts.get(RecipientState.FAILED) and not any(
			counts.get(state) for state in planning.SUCCESS_STATES
		):
			failed = counts[RecipientState.FAILED]
			reason = _("All {failed} attempted recipients failed; see their errors in Recipients.").format(
				failed=failed
			)
			self._end_run(campaign, CampaignStatus.FAILED, status_reason=reason)
		else:
			self._end_run(campaign, CampaignStatus.COMPLETED)

	def _end_run(self, campaign: CampaignRecord, status: CampaignStatus, **values: Any) -> None:
		self.repository.update_campaign(campaign.name, [CampaignStatus.RUNNING], status=status, **values)

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

	def progress(self, name: str) -> dict[str, Any]:
		"""Counts per recipient state, from the rows, with the share that is settled."""
		counts = self.repository.progress(name)
		total = sum(counts.values())
		done = total - sum(counts.get(state, 0) for state in planning.OPEN_STATES)
		return {
			"counts": {state: counts.get(state, 0) for state in RecipientState},
			"total": total,
			"done": done,
			"percent": round(100.0 * done / total, 1) if total else 0.0,
			"devices": self._router.progress_by_device(name) if self._router else {},
		}

	def validate(self, campaign: CampaignRecord) -> None:
		"""Raise `InvalidCampaign` for what would fail every recipient."""
		if not campaign.device and not campaign.devices:
			raise InvalidCampaign(
				_("Choose the WhatsApp Device the campaign sends from (or several devices).")
			)
		if campaign.message_type == MessageType.TEMPLATE:
			if not campaign.template_name:
				raise InvalidCampaign(_("Choose the approved template to send."))
			_check_template(campaign)
			_check_header(campaign)
			if campaign.template_parameter_count is not None:
				check_parameter_count(
					campaign.template_name, campaign.template_parameter_count, len(campaign.template_params)
				)
		elif not (campaign.text or "").strip() and not (campaign.media_link or campaign.media_file_url):
			raise InvalidCampaign(_("Write the message to send, or choose a template."))
		elif campaign.media_link and campaign.media_file_url:
			raise InvalidCampaign(_("Give the campaign's media as a link or as a file, not both."))
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
		device = self._devices.get_device(campaign.device or campaign.devices[0])
		return self._send(outbound_message(campaign, device.name, to, context, None, None, self._render))

	def _sendable(self, name: str) -> list[RecipientRow]:
		return [row for row in self.repository.recipients(name) if row.state != RecipientState.SKIPPED]

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
			if planned.state == RecipientState.SKIPPED
		}
		self.repository.reset_for_run(campaign.name, run, skipped)
		self._set_status(campaign, CampaignStatus.RUNNING, run=run, status_reason=None, **values)
		self._route(campaign.name)
		return plan.summary()

	def _route(self, name: str) -> None:
		"""Give a multi-device campaign's pending recipients their devices now (the scheduler
		routes again every minute)."""
		campaign = self.repository.get_campaign(name)
		if self._router and campaign.devices:
			self._router.route(campaign)

	def _transition(self, name: str, target: CampaignStatus, **values: Any) -> None:
		campaign = self.repository.get_campaign(name)
		policy.check_transition(campaign.status, target)
		self._set_status(campaign, target, **values)

	def _set_status(self, campaign: CampaignRecord, target: CampaignStatus, **values: Any) -> None:
		if not self.repository.update_campaign(campaign.name, [campaign.status], status=target, **values):
			raise CampaignStateError(
				_("Campaign {campaign} changed while it was being updated. Reload it and try again.").format(
					campaign=campaign.name
				)
			)

	def _utc_now(self) -> datetime:
		return to_utc(self._now(), self._time_zone)

	def _schedule(self, campaign: CampaignRecord, start: datetime) -> Schedule:
		return Schedule(start, campaign.recurrence, campaign.repeat_until)


def _run_to_start(campaign: CampaignRecord) -> int:
	"""A failed campaign started again is a new run: new idempotency keys, so the retried
	recipients get new Message Log rows next to the failed ones. A Scheduled one keeps its run."""
	if campaign.status == CampaignStatus.FAILED:
		return campaign.run + 1
	return campaign.run if campaign.status == CampaignStatus.SCHEDULED else 0


def _check_template(campaign: CampaignRecord) -> None:
	"""A template campaign cannot start or resume while Meta refuses its template."""
	if campaign.message_type == MessageType.TEMPLATE and campaign.template_name:
		reason = unusable(campaign.template_name, campaign.template_language, campaign.template_status)
		if reason:
			raise InvalidCampaign(reason)


def _check_header(campaign: CampaignRecord) -> None:
	"""A template with an image, video or document header needs the file to show in it."""
	kind = (campaign.template_header_format or "").lower()
	if kind in rules.HEADER_MEDIA_KINDS and not campaign.template_header_file:
		raise InvalidCampaign(
			_(
				"Template {template} has a media header ({kind}): attach the file to show "
				"in it (Template Header File)."
			).format(template=campaign.template_name, kind=kind)
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
