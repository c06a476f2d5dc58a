"""Applying one verified webhook body: inbound messages, status events, opt-outs and opt-ins.

Applying the same body twice (Meta redelivers for days; two workers may race) changes nothing
the second time: the repository stores a wamid once and a (wamid, status) event once. Events of
a phone number id that is none of our devices are counted and dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.senders.factory import DeviceProfile
from whatsapp_integration.core.webhook import (
	InboundMessage,
	PreferenceChange,
	StatusUpdate,
	WebhookBatch,
	parse_webhook,
)
from whatsapp_integration.services.repository import StatusEvent
from whatsapp_integration.services.webhook_repository import (
	InboundRecord,
	StatusResult,
	WebhookRepository,
)


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


INBOX_QUEUED, INBOX_PROCESSED, INBOX_FAILED = "Queued", "Processed", "Failed"


@dataclass(frozen=True)
class InboxDecision:
	"""What happens to an inbox row after an attempt: its state, and when to try again."""

	state: str
	retry_in: float | None = None


def inbox_decision(
	attempts: int, config: WhatsAppConfig, *, crashed: bool, unmatched_statuses: int = 0
) -> InboxDecision:
	"""A crashed attempt is retried with backoff until `max_retry_attempts`, then Failed.
	Statuses whose message is not logged yet (the send has not saved its wamid) are retried
	the same way, then dropped: they belong to messages this site never sent."""
	if not crashed and not unmatched_statuses:
		return InboxDecision(INBOX_PROCESSED)
	delay = retry_delay(ErrorAction.RETRY, attempts, config)
	if delay is None:
		return InboxDecision(INBOX_FAILED if crashed else INBOX_PROCESSED)
	return InboxDecision(INBOX_QUEUED, delay)


class WebhookService:
	def __init__(
		self,
		repository: WebhookRepository,
		config: WhatsAppConfig,
		*,
		now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
	) -> None:
		self.repository = repository
		self.config = config
		self._now = now

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
		for change in batch.opt_outs:
			self._apply_preference(change, result, stop=True)
		for change in batch.opt_ins:
			self._apply_preference(change, result, stop=False)
		return result

	def _device(self, phone_number_id: str | None, result: WebhookResult) -> DeviceProfile | None:
		device = self.repository.device_for_phone_number_id(phone_number_id) if phone_number_id else None
		if device is None:
			result.unknown_device_events += 1
		return device

	def _apply_message(self, message: InboundMessage, result: WebhookResult) -> None:
		device = self._device(message.phone_number_id, result)
		if device is None:
			return
		record = self.inbound_record(message, device)
		if self.repository.insert_inbound(record):
			result.messages_stored += 1
		else:
			result.messages_duplicate += 1

	def inbound_record(self, message: InboundMessage, device: DeviceProfile) -> InboundRecord:
		"""The Message Log row an inbound message becomes, linked to its ERP Contact if any."""
		number = number_of(message.wa_id)
		media = message.media
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
			media_id=media.id if media else None,
			media_mime_type=media.mime_type if media else None,
			media_caption=media.caption if media else None,
			media_filename=media.filename if media else None,
			reply_to_wamid=message.context_id,
			error_code=message.error_code,
			error_title=message.error_title,
			contact=self.repository.find_contact(number, message.user_id),
		)

	def _apply_status(self, status: StatusUpdate, result: WebhookResult) -> None:
		if self._device(status.phone_number_id, result) is None:
			return
		event = StatusEvent(
			status.status, self._moment(status.timestamp), status.error_code, status.error_title
		)
		outcome = self.repository.add_status_event(status.wamid, event)
		if outcome is StatusResult.APPLIED:
			result.statuses_applied += 1
		elif outcome is StatusResult.DUPLICATE:
			result.statuses_duplicate += 1
		else:
			result.statuses_unmatched += 1

	def _apply_preference(self, change: PreferenceChange, result: WebhookResult, *, stop: bool) -> None:
		key = sender_key(change.wa_id, change.user_id)
		if not key or self._device(change.phone_number_id, result) is None:
			return
		if stop:
			self.repository.add_opt_out(key, change.reason, change.source)
			result.opt_outs += 1
		else:
			self.repository.remove_opt_out(key)
			result.opt_ins += 1

	def _moment(self, timestamp: int | None) -> datetime:
		"""Meta's epoch seconds as an aware UTC datetime (now when Meta sent none)."""
		if timestamp is None:
			return self._now()
		return datetime.fromtimestamp(timestamp, timezone.utc)
