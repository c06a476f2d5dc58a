"""Sending one message: validate -> check the recipient -> log -> pace -> send -> log the result.

The Message Log is the outbox. A row is written (Queued, with a lease) before anything
goes to WhatsApp, so nothing is lost: a retryable failure leaves it Queued with the time of
its next attempt, a permanent one marks it Failed with Meta's code, the action taken and a
readable reason. The idempotency key is unique, so the same key never sends twice.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from whatsapp_integration.core import message as rules
from whatsapp_integration.core import rich_content
from whatsapp_integration.core.allowlist import check_allowed
from whatsapp_integration.core.caps import cap_reached, cap_reached_reason, has_daily_cap, start_of_day
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import (
	DeviceUnavailable,
	DuplicateKey,
	ErrorAction,
	InvalidMessage,
	RateLimited,
	RecipientOptedOut,
	SendFailed,
	WhatsAppError,
)
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.interactive import check_interactive
from whatsapp_integration.core.phone import normalize
from whatsapp_integration.core.ratelimit import RateLimiter, acquire
from whatsapp_integration.core.records import MessageRecord, SendOutcome, apply_outcome, meta_details
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.send_budget import worst_case_seconds
from whatsapp_integration.core.template_match import check_against
from whatsapp_integration.core.vocabulary import DeviceMode, Direction, MessageStatus, MessageType
from whatsapp_integration.core.window import check_window, is_bound, requires_window
from whatsapp_integration.senders.base import SendReceipt, WhatsAppSender
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.services.repository import MessageRepository, TemplateCatalog, TemplatesReadOnce

MAX_IDEMPOTENCY_KEY_LENGTH = 140
LEASE_MARGIN_SECONDS = 30.0  # saving the outcome after the send returned
USER_HASH_LENGTH = 16
MAX_CALLER_KEY_LENGTH = MAX_IDEMPOTENCY_KEY_LENGTH - len("user::") - USER_HASH_LENGTH
RESERVED_KEY_PREFIX = "campaign:"


class MessageService:
	def __init__(
		self,
		repository: MessageRepository,
		config: WhatsAppConfig,
		senders: SenderFactory,
		limiter: RateLimiter,
		*,
		now: Callable[[], datetime] = datetime.now,
		sleep: Callable[[float], None] = time.sleep,
		rand: Callable[[], float] = random.random,
		max_pacing_wait: float = 1.0,
		templates: TemplateCatalog | None = None,
	) -> None:
		"""`templates` (optional) knows the variables of the site's templates: a template send is
		then checked against them (count, names, header, buttons) before it is stored."""
		self.repository = repository
		self.templates = templates
		self.config = config
		self.senders = senders
		self.limiter = limiter
		self._now = now
		self._sleep = sleep
		self._rand = rand
		self._max_pacing_wait = max_pacing_wait

	def send(self, message: rules.OutboundMessage) -> MessageRecord:
		"""Send now (or queue for retry) and return the Message Log row as it ends up. A caller's
		idempotency key is scoped to the caller (`requested_by`): the same key of two users is
		two messages, and nobody reaches another user's row by guessing their key."""
		message = dataclasses.replace(
			message, idempotency_key=caller_key(message.requested_by, message.idempotency_key)
		)
		existing = self._existing(message.idempotency_key)
		if existing:
			return existing
		device = self.repository.get_device(message.device)
		record = self.build_record(message, device)
		self._check_recipient(record.to_number or "")
		self._check_daily_cap(device)
		self._charge_user(message.requested_by)
		sender = self.senders.for_device(device, self.config)
		try:
			stored = self.repository.insert_message(record)
		except DuplicateKey:
			return self._existing(record.idempotency_key) or self._raise_duplicate(record)
		return self._attempt(stored, device, sender)

	def retry_due(self, limit: int = 200) -> int:
		"""Send Queued rows whose next attempt is due, at most `limit`; returns how many were tried.
		Rows are claimed one at a time, right before their send, so each lease starts when its
		send does (a batch claimed at once would outlive the leases of its last rows)."""
		tried = 0
		while tried < limit:
			now = self._now()
			claimed = self.repository.claim_due_retries(now, now + self._longest_lease(), 1)
			if not claimed:
				break
			self._retry(claimed[0])
			tried += 1
		return tried

	def retry(self, name: str) -> MessageRecord:
		"""Put a Failed outbound message back in the outbox, due now: the retry job claims it with
		a lease and sends it under the same idempotency key (two clicks never send twice)."""
		record = self.repository.get_message(name)
		if record.direction != Direction.OUTBOUND or record.status != MessageStatus.FAILED:
			raise InvalidMessage(
				_("Only failed outbound messages can be retried; {name} is {direction} and {status}.").format(
					name=name, direction=record.direction, status=record.status
				)
			)
		self._check_allowed(record.to_number or "")
		self._check_recipient(record.to_number or "")
		self._check_window(record, self.repository.get_device(record.device))
		now = self._now()
		outcome = SendOutcome(MessageStatus.QUEUED, now, record.attempts, next_attempt_at=now)
		self.repository.save_outcome(name, outcome)
		return apply_outcome(record, outcome)

	def build_record(self, message: rules.OutboundMessage, device: DeviceProfile) -> MessageRecord:
		"""Validate `message` and return the Message Log row it becomes (not yet stored)."""
		message_type = rules.check_message_type(message.message_type)
		record = MessageRecord(
			device=device.name,
			to_number=normalize(message.to, self.config.default_country),
			from_number=device.phone_number,
			message_type=message_type,
			idempotency_key=_idempotency_key(message.idempotency_key),
			callback_data=message.callback_data,
			reference_doctype=message.reference_doctype or None,
			reference_name=message.reference_name or None,
			requested_by=message.requested_by,
			# Only the Cloud API quotes the message answered (its `context`); others send it plain.
			reply_to_wamid=message.reply_to if device.mode == DeviceMode.OFFICIAL else None,
			status=MessageStatus.QUEUED,
		)
		self._check_allowed(record.to_number or "")
		self._fill_content(record, message)
		self._check_window(record, device)
		record.created_at = self._now()
		record.next_attempt_at = record.created_at + self._lease(device.mode)
		return record

	def batch_builder(self) -> Callable[[rules.OutboundMessage, DeviceProfile], MessageRecord]:
		"""`build_record` for one batch of messages (a campaign batch): each template's variables
		are read once for the batch, not once per message."""
		batch = copy.copy(self)
		if self.templates is not None:
			batch.templates = TemplatesReadOnce(self.templates)
		return batch.build_record

	def _fill_content(self, record: MessageRecord, message: rules.OutboundMessage) -> None:
		if record.message_type == MessageType.TEXT:
			record.text = rules.clean_text(message.text, self.config.blocked_phrases)
		elif record.message_type == MessageType.TEMPLATE:
			template = rules.check_template(message.template)
			record.template_name, record.template_language = template.name, template.language
			if self.templates is not None:
				check_against(template, self.templates.variables(template.name, template.language))
			record.template_params = [parameter.text for parameter in template.body()]
			record.rich_content = rich_content.template_content(template)
		elif record.message_type == MessageType.INTERACTIVE:
			interactive = check_interactive(message.interactive)
			record.text = interactive.body
			record.rich_content = rich_content.interactive_content(interactive)
		else:
			media = rules.check_media(message.media or rules.Media(record.message_type))
			if media.kind != record.message_type:
				raise InvalidMessage(
					_("The media is a {kind}, the message a {message_type}.").format(
						kind=media.kind, message_type=record.message_type
					)
				)
			record.media_link, record.media_caption, record.media_filename = (
				media.link or None,
				media.caption,
				media.filename,
			)
			record.media_id, record.media_file_url = media.media_id, media.file_url

	def _existing(self, key: str | None) -> MessageRecord | None:
		return self.repository.find_by_idempotency_key(key) if key else None

	def _raise_duplicate(self, record: MessageRecord) -> MessageRecord:
		raise InvalidMessage(
			_("A message with idempotency key {key!r} already exists.").format(key=record.idempotency_key)
		)

	def _check_recipient(self, number: str) -> None:
		if self.repository.is_opted_out(number):
			raise RecipientOptedOut(
				_(
					"{number} has asked not to receive WhatsApp messages (see WhatsApp Opt Out). "
					"Remove the opt-out only if the customer asked to hear from you again."
				).format(number=number)
			)

	def _check_window(self, record: MessageRecord, device: DeviceProfile) -> None:
		"""Free-form messages only inside the customer's 24 h window (`core.window`), refused before
		any request; Web devices only when Settings enforce it for them."""
		if not requires_window(record.message_type) or not is_bound(
			device.mode, self.config.enforce_window_for_web
		):
			return  # a template goes without a window: nothing to read
		to = record.to_number or ""
		last = self.repository.last_inbound_at(device.name, to) if to else None
		check_window(record.message_type, to, device.name, last, self._now())

	def _check_allowed(self, number: str) -> None:
		"""The site-wide send allowlist (Settings), before anything is stored or sent."""
		check_allowed(number, self.config.restrict_sends_to_allowlist, self.config.send_allowlist)

	def _check_daily_cap(self, device: DeviceProfile) -> None:
		if not has_daily_cap(device.daily_cap):
			return
		used = self.repository.count_outbound_since(device.name, start_of_day(self._now()))
		if cap_reached(device.daily_cap, used):
			raise DeviceUnavailable(
				_("{reason} Raise the cap on the device or send tomorrow.").format(
					reason=cap_reached_reason(device.name, device.daily_cap)
				)
			)

	def _charge_user(self, user: str | None) -> None:
		if not user:
			return
		limit = self.config.user_send_limit_per_minute
		acquire(self.limiter, f"user:{user}", limit / 60.0, limit, what=_("your WhatsApp sends"))

	def _retry(self, record: MessageRecord) -> None:
		try:
			self._check_allowed(record.to_number or "")  # the allowlist (a staging copy) holds
			self._check_recipient(record.to_number or "")  # an opt-out since it was queued holds
			device = self.repository.get_device(record.device)
			self._check_window(record, device)  # so does a window that closed since
			sender = self.senders.for_device(device, self.config)
		except WhatsAppError as error:
			self.repository.save_outcome(record.name or "", self._final_failure(record, str(error)))
			return
		self._attempt(record, device, sender)

	def _attempt(self, record: MessageRecord, device: DeviceProfile, sender: WhatsAppSender) -> MessageRecord:
		try:
			self._pace(device)
			receipt = dispatch(sender, record)
		except RateLimited as limited:
			outcome = self._paced_out(record, limited)
		except SendFailed as failure:
			outcome = self._failed(record, failure)
		else:
			outcome = SendOutcome(
				MessageStatus.SENT, self._now(), record.attempts + 1, wamid=receipt.message_id
			)
		self.repository.save_outcome(record.name or "", outcome)
		return apply_outcome(record, outcome)

	def _pace(self, device: DeviceProfile) -> None:
		rate, burst = self.config.send_rate_per_second, self.config.send_burst
		acquire(
			self.limiter,
			f"device:{device.name}",
			rate,
			burst,
			max_wait=self._max_pacing_wait,
			sleep=self._sleep,
			what=_("device {device}").format(device=device.name),
		)

	def _paced_out(self, record: MessageRecord, limited: RateLimited) -> SendOutcome:
		now = self._now()
		return SendOutcome(
			MessageStatus.QUEUED,
			now,
			record.attempts,
			next_attempt_at=now + timedelta(seconds=limited.retry_after),
			error_reason=str(limited),
			error_action=ErrorAction.THROTTLE.value,
		)

	def _failed(self, record: MessageRecord, failure: SendFailed) -> SendOutcome:
		attempts = record.attempts + 1
		if failure.action is ErrorAction.SUPPRESS and record.to_number:
			self.repository.add_opt_out(record.to_number, failure.reason, "Meta")
		delay = retry_delay(failure.action, attempts, self.config, self._rand)
		now = self._now()
		return SendOutcome(
			MessageStatus.FAILED if delay is None else MessageStatus.QUEUED,
			now,
			attempts,
			next_attempt_at=None if delay is None else now + timedelta(seconds=delay),
			error_code=failure.code,
			error_title=failure.title,
			error_reason=failure.reason,
			error_action=failure.action.value,
			**meta_details(failure),
		)

	def _final_failure(self, record: MessageRecord, reason: str) -> SendOutcome:
		return SendOutcome(MessageStatus.FAILED, self._now(), record.attempts, error_reason=reason)

	def _lease(self, mode: str) -> timedelta:
		"""How long a row being sent is hidden from the retry job: the longest a send of a device
		in `mode` may take, plus a margin (a crashed send resurfaces after it)."""
		return timedelta(seconds=worst_case_seconds(mode, self.config) + LEASE_MARGIN_SECONDS)

	def _longest_lease(self) -> timedelta:
		"""The lease of a row claimed before its device is known: the longest of any mode."""
		return max(self._lease(mode) for mode in DeviceMode)


def dispatch(sender: WhatsAppSender, record: MessageRecord) -> SendReceipt:
	"""Call the sender method that matches the row's message type (`reply_to` only when the row
	answers a message, which only rows of Official devices do)."""
	to = record.to_number or ""
	keys = {"callback_data": record.callback_data, "idempotency_key": record.idempotency_key}
	if record.reply_to_wamid:
		keys["reply_to"] = record.reply_to_wamid
	if record.message_type == MessageType.TEXT:
		return sender.send_text(to, record.text or "", **keys)
	if record.message_type == MessageType.TEMPLATE:
		template = rich_content.template_from(
			record.template_name or "",
			record.template_language or "",
			record.template_params,
			record.rich_content,
		)
		return sender.send_template(to, template, **keys)
	if record.message_type == MessageType.INTERACTIVE:
		interactive = rich_content.interactive_from(record.rich_content)
		return sender.send_interactive(
			to, interactive, callback_data=record.callback_data, idempotency_key=record.idempotency_key
		)
	media = rules.Media(
		record.message_type,
		record.media_link or "",
		record.media_caption,
		record.media_filename,
		media_id=record.media_id,
		file_url=record.media_file_url,
	)
	return sender.send_media(to, media, **keys)


def caller_key(user: str | None, key: str | None) -> str | None:
	"""The stored form of a key given by a caller: `user:<hash of the user>:<key>` (no key: None).
	The `campaign:` prefix is reserved for campaign sends."""
	key = (key or "").strip()
	if not key:
		return None
	if key.startswith(RESERVED_KEY_PREFIX):
		raise InvalidMessage(
			_(
				"Idempotency keys starting with {prefix!r} are reserved for campaigns; choose another key."
			).format(prefix=RESERVED_KEY_PREFIX)
		)
	if len(key) > MAX_CALLER_KEY_LENGTH:
		raise InvalidMessage(
			_("The idempotency key is longer than {limit} characters.").format(limit=MAX_CALLER_KEY_LENGTH)
		)
	if not user:
		return key
	return f"user:{hashlib.sha256(user.encode()).hexdigest()[:USER_HASH_LENGTH]}:{key}"


def _idempotency_key(key: str | None) -> str:
	key = (key or "").strip() or uuid.uuid4().hex
	if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
		raise InvalidMessage(
			_("The idempotency key is longer than {limit} characters.").format(
				limit=MAX_IDEMPOTENCY_KEY_LENGTH
			)
		)

	return key
