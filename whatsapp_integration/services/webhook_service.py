"""Applying one verified webhook body: inbound messages, status events, opt-outs and opt-ins.

Applying the same body twice (Meta redelivers for days; two workers may race) changes nothing
the second time: the repository stores a wamid once and a (wamid, status) event once. Events of
a phone number id that is none of our devices are counted and dropped.

A failure Meta reports later (a `failed` status with `errors[]`; most real failures arrive this
way) is handled like a failure of the send call: classified by `core.errors.classify`, the
Message Log gets the code, title, action and reason; a retryable one goes back to the outbox
(Queued, due per `core.retry.retry_delay`, same idempotency key; the resend is a new WhatsApp
message, so the row lets go of the failed wamid) and its campaign recipient stays open with the
reason (it shows Sending until the outbox's resend settles, then follows its log: Sent, Delivered,
Read or Failed); SUPPRESS opts the number out; a final failure marks a campaign recipient Failed
(auto-pause counts it; a STOP-class error pauses the campaign).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction, advice_for, classify
from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.vocabulary import MediaStatus, MessageStatus
from whatsapp_integration.core.webhook import (
	SOURCE_META,
	InboundMessage,
	PreferenceChange,
	StatusUpdate,
	WebhookBatch,
	parse_webhook,
)
from whatsapp_integration.core.webhook.numbers import NumberUpdate
from whatsapp_integration.core.webhook.templates import TemplateUpdate
from whatsapp_integration.core.webhook_records import InboundRecord, OutboundState, StatusResult
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_repository import WebhookRepository

# Meta accepted the send (HTTP 200) and reports the failure later: an unknown code is no
# transport problem to retry but, like any other refused request, one to look at.
REPORTED_LATER_HTTP_STATUS = 200


@dataclass
class WebhookResult:
	"""What applying one body did (counted for the inbox row and the metrics)."""

	messages_stored: int = 0
	messages_duplicate: int = 0
	statuses_applied: int = 0
	statuses_duplicate: int = 0
	statuses_unmatched: int = 0
	opt_outs: int = 0
	opt_ins: int = 0
	preferences_outdated: int = 0
	failures_retried: int = 0
	number_updates: int = 0
	template_updates: int = 0
	template_updates_unmatched: int = 0
	unknown_device_events: int = 0
	skipped_events: int = 0
	ignored_fields: list[str] = field(default_factory=list)

	def summary(self) -> str:
		counts = {name: value for name, value in vars(self).items() if value and name != "ignored_fields"}
		text = ", ".join(f"{name.replace('_', ' ')}: {value}" for name, value in counts.items())
		if self.ignored_fields:
			text += (", " if text else "") + "ignored fields: " + ", ".join(sorted(set(self.ignored_fields)))
		return text or "nothing to do"


def number_of(wa_id: str | None) -> str | None:
	"""Meta's wa_id (digits) as the E.164 number the rest of the app uses."""
	return "+" + wa_id if wa_id and wa_id.isdigit() else None


def sender_key(wa_id: str | None, user_id: str | None) -> str | None:
	"""How a WhatsApp user is keyed on the opt-out list: E.164 number, else the BSUID."""
	return number_of(wa_id) or user_id


class WebhookService:
	def __init__(
		self,
		repository: WebhookRepository,
		config: WhatsAppConfig,
		*,
		now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
		rand: Callable[[], float] = random.random,
		on_media: Callable[[str], None] = lambda wamid: None,
		number_health: Callable[[NumberUpdate], int] | None = None,
		templates: Callable[[TemplateUpdate], bool] | None = None,
	) -> None:
		"""`on_media(wamid)` runs for each newly stored message whose media waits for download
		(the site queues the download job: `services/media_download.py`)."""
		self.repository = repository
		self.config = config
		self._on_media = on_media
		self._now = now
		self._rand = rand
		# applies a number's quality/account update to its devices; returns how many (services.number_health)
		self._number_health = number_health
		# applies a template status/quality/category update; False when no template matches
		# (services.template_service.TemplateStatusService.apply)
		self._templates = templates

	def process(self, raw_body: bytes) -> WebhookResult:
		"""Parse and apply a verified body; `InvalidWebhookPayload` if it is not a JSON object."""
		batch = parse_webhook(
			raw_body, stop_keywords=self.config.stop_keywords, start_keywords=self.config.start_keywords
		)
		return self.apply(batch)

	def apply(self, batch: WebhookBatch) -> WebhookResult:
		result = WebhookResult(skipped_events=batch.skipped, ignored_fields=list(batch.ignored_fields))
		for message in batch.messages:
			self._apply_message(message, result)
		for status in batch.statuses:
			self._apply_status(status, result)
		changes = [(change, True) for change in batch.opt_outs] + [
			(change, False) for change in batch.opt_ins
		]
		changes.sort(key=lambda item: item[0].timestamp if item[0].timestamp is not None else float("inf"))
		for change, stop in changes:
			self._apply_preference(change, result, stop=stop)
		for update in batch.number_updates:
			self._apply_number_update(update, result)
		for template_update in batch.template_updates:
			self._apply_template_update(template_update, result)
		return result

	def _apply_template_update(self, update: TemplateUpdate, result: WebhookResult) -> None:
		if self._templates is None:
			result.ignored_fields.append(f"template {update.kind}")
		elif self._templates(update):
			result.template_updates += 1
		else:
			result.template_updates_unmatched += 1

	def _apply_number_update(self, update: NumberUpdate, result: WebhookResult) -> None:
		if self._number_health is None:
			result.ignored_fields.append(update.field)
			return
		applied = self._number_health(update)
		result.number_updates += applied
		result.unknown_device_events += 0 if applied else 1

	def _device(
		self, phone_number_id: str | None, result: WebhookResult, web_device: str | None = None
	) -> DeviceProfile | None:
		if web_device:
			device = self.repository.web_device(web_device)
		else:
			device = self.repository.device_for_phone_number_id(phone_number_id) if phone_number_id else None
		if device is None:
			result.unknown_device_events += 1
		return device

	def _apply_message(self, message: InboundMessage, result: WebhookResult) -> None:
		device = self._device(message.phone_number_id, result, message.device)
		if device is None:
			return
		record = self.inbound_record(message, device)
		if self.repository.insert_inbound(record):
			result.messages_stored += 1
			if record.media_status == MediaStatus.PENDING:
				self._on_media(record.wamid)
		else:
			result.messages_duplicate += 1

	def inbound_record(self, message: InboundMessage, device: DeviceProfile) -> InboundRecord:
		"""The Message Log row an inbound message becomes, linked to its ERP Contact if any."""
		number = number_of(message.wa_id)
		return InboundRecord(
			wamid=message.wamid,
			device=device.name,
			message_type=message.type,
			received_at=self._moment(message.timestamp),
			from_number=number,
			from_user_id=message.user_id,
			to_number=device.phone_number or message.display_phone_number,
			profile_name=message.profile_name,
			text=message.text,
			reply_to_wamid=message.context_id,
			reply_id=message.reply_id,
			reply_title=message.reply_title,
			shared_contacts=json.dumps(message.shared_contacts) if message.shared_contacts else None,
			error_code=message.error_code,
			error_title=message.error_title,
			contact=self.repository.find_contact(number, message.user_id),
			**content_columns(message),
		)

	def _apply_status(self, status: StatusUpdate, result: WebhookResult) -> None:
		if self._device(status.phone_number_id, result) is None:
			return
		event = StatusEvent(
			status.status, self._moment(status.timestamp), status.error_code, status.error_title
		)
		reason = failure_reason(status)
		change = self.repository.add_status_event(
			status.wamid, event, lambda state, failed: self._decide_failure(state, failed, reason)
		)
		if change.result is StatusResult.APPLIED:
			result.statuses_applied += 1
		elif change.result is StatusResult.DUPLICATE:
			result.statuses_duplicate += 1
		else:
			result.statuses_unmatched += 1
		if (
			change.result is StatusResult.APPLIED
			and change.state
			and change.state.status in (MessageStatus.FAILED, MessageStatus.QUEUED)
		):
			self._after_failure(change.state, result)

	def _decide_failure(self, state: OutboundState, event: StatusEvent, reason: str) -> None:
		"""Under the row lock: the action and reason of a newly failed message, and back to the
		outbox (without the failed wamid, which a resend replaces) when its class is retryable."""
		action = classify(event.error_code, REPORTED_LATER_HTTP_STATUS)
		delay = retry_delay(action, state.attempts, self.config, self._rand)
		state.error_action, state.error_reason = action.value, reason
		if delay is None:
			return
		state.error_reason = (
			f"WhatsApp reported {state.wamid} failed: {reason} It is sent again automatically."
		)
		state.status, state.wamid = MessageStatus.QUEUED, None
		state.next_attempt_at = self._now() + timedelta(seconds=delay)
		state.events.append(StatusEvent(MessageStatus.QUEUED, event.at, event.error_code, event.error_title))

	def _after_failure(self, state: OutboundState, result: WebhookResult) -> None:
		action = ErrorAction(state.error_action) if state.error_action else None
		reason = state.error_reason or ""
		if state.status == MessageStatus.QUEUED:
			result.failures_retried += 1
		if action is ErrorAction.SUPPRESS and state.to_number:
			self.repository.add_opt_out(state.to_number, reason, SOURCE_META)
		if not state.idempotency_key:
			return
		if state.status == MessageStatus.QUEUED:  # the outbox resends it: its recipient stays open
			self.repository.note_campaign_retry(state.idempotency_key, reason, state.error_code)
			return
		campaign = self.repository.fail_campaign_recipient(
			state.idempotency_key, reason, state.error_code, self._now()
		)
		if campaign and action is ErrorAction.STOP:
			self.repository.pause_campaign(campaign, reason)

	def _apply_preference(self, change: PreferenceChange, result: WebhookResult, *, stop: bool) -> None:
		"""Choices apply in the order the customer made them: one older than the last applied
		choice of the number (a redelivery, a late event) changes nothing."""
		key = sender_key(change.wa_id, change.user_id)
		if not key or self._device(change.phone_number_id, result) is None:
			return
		at = self._moment(change.timestamp)
		if not self.repository.apply_preference(key, stop, at, change.reason, change.source):
			result.preferences_outdated += 1
		elif stop:
			result.opt_outs += 1
		else:
			result.opt_ins += 1

	def _moment(self, timestamp: int | None) -> datetime:
		"""Meta's epoch seconds as an aware UTC datetime (now when Meta sent none)."""
		if timestamp is None:
			return self._now()
		return datetime.fromtimestamp(timestamp, timezone.utc)


def content_columns(message: InboundMessage) -> dict[str, Any]:
	"""The media, reaction and location columns of an inbound message's row. Media with an id
	starts Pending: the media download service fetches it from Meta."""
	media, reaction, location = message.media, message.reaction, message.location
	columns: dict[str, Any] = {}
	if media:
		columns.update(
			media_id=media.id,
			media_mime_type=media.mime_type,
			media_caption=media.caption,
			media_filename=media.filename,
			media_sha256=media.sha256,
			media_status=MediaStatus.PENDING if media.id else None,
		)
	if reaction:
		columns.update(reaction_to_wamid=reaction.message_id, reaction_emoji=reaction.emoji)
	if location:
		columns.update(
			location_latitude=location.latitude,
			location_longitude=location.longitude,
			location_name=location.name,
			location_address=location.address,
		)
	return columns


def failure_reason(status: StatusUpdate) -> str:
	"""What a person can do about a failure Meta reported, else Meta's own words."""
	code = status.error_code
	text = advice_for(code) or status.error_details or status.error_title or "No details were given."
	return f"Meta error {code}: {text}" if code else text
