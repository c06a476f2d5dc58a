"""The data the webhook service needs, as a small typed interface.

`whatsapp_integration.repositories.webhooks.FrappeWebhookRepository` implements it on the
site's database; `whatsapp_integration.testing.memory_webhooks.MemoryWebhookRepository`
(thread-safe) serves the framework-free tests and benchmarks. Both store an inbound wamid once
and a (wamid, status) event once, also when two workers race with the same redelivered batch,
and apply a number's stop/start choices in the order the customer made them (the time of the
last applied choice is kept per number). Their records live in `core.webhook_records`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.webhook_records import (
	ContactLink,
	FailureHandler,
	InboundRecord,
	StatusChange,
)
from whatsapp_integration.senders.factory import DeviceProfile


class WebhookRepository(Protocol):
	def device_for_phone_number_id(self, phone_number_id: str) -> DeviceProfile | None:
		"""Our enabled-or-not device with that Meta phone number id, or None."""
		...

	def web_device(self, name: str) -> DeviceProfile | None:
		"""Our WhatsApp Web device `name` (messages its session read), or None."""
		...

	def find_contact(self, number: str | None, user_id: str | None) -> ContactLink | None:
		"""The Contact with that E.164 mobile/phone number (or BSUID), or None."""
		...

	def insert_inbound(self, record: InboundRecord) -> bool:
		"""Store an inbound message; False (nothing stored) when its wamid is already logged."""
		...

	def add_status_event(
		self, wamid: str, event: StatusEvent, on_failure: FailureHandler | None = None
	) -> StatusChange:
		"""Atomically: add `event` to the history of the message with `wamid` unless an event
		with that status is there, and move its status forward (`apply_status_event`)."""
		...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...

	def apply_preference(self, number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
		"""Atomically: opt `number` out (`stop`) or back in, unless a choice made at `at` or later
		was applied already (a redelivery, or an older event arriving late); True if applied."""
		...

	def fail_campaign_recipient(self, key: str, reason: str, code: int | None, at: datetime) -> str | None:
		"""Mark the campaign recipient sent under idempotency `key` Failed with the error (its
		`last_attempt_at` is `at`, so auto-pause counts it); its campaign's name, or None."""
		...

	def note_campaign_retry(self, key: str, reason: str, code: int | None) -> None:
		"""The message of the campaign recipient sent under idempotency `key` failed retryably and
		is back in the outbox: the recipient keeps its state (it follows its log) and gets `reason`."""
		...

	def pause_campaign(self, campaign: str, reason: str) -> None:
		"""Pause `campaign` with `reason` if it is running."""
		...
