"""Sandbox devices after the send: their Delivered and Read statuses, and simulated customer
replies, arrive as Meta's webhook bodies, signed with the App secret, checked like the webhook
endpoint checks them and handed to the webhook inbox (`services.webhook_inbox`): every feature
(campaigns, dashboard, alerts, chat, other apps' hooks) sees them as real events.

What is still to be reported is read from the outbox itself (Sent and Delivered messages of
Sandbox devices), so nothing is lost when a worker dies or the cache is cleared.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.sandbox import (
	DEFAULT_PROFILE_NAME,
	REPORTED_AFTER,
	SandboxDevice,
	SandboxMessage,
	delay_after,
	encode,
	reply_body,
	sandbox_wamid,
	status_body,
)
from whatsapp_integration.core.webhook import sign, verify_signature
from whatsapp_integration.services.webhook_inbox import WebhookInbox

BATCH = 500  # messages read per status and pass
RUN_SECONDS = 240.0  # one delivery job stops after this; the next job or the scheduler goes on
MIN_WAIT_SECONDS = 0.2


class SandboxOutbox(Protocol):
	"""Reads the outbox for Sandbox devices (`repositories.sandbox`, `testing.memory_sandbox`)."""

	def awaiting(self, status: str, limit: int) -> list[SandboxMessage]:
		"""Outbound messages of Sandbox devices in `status` (Sent or Delivered), longest there first."""
		...

	def device(self, name: str) -> SandboxDevice:
		"""The Sandbox device `name`; `DeviceNotFound` or `ConfigurationError` when it is none."""
		...


class SandboxService:
	"""`on_accepted(name)` runs after an event is stored in the inbox (the site commits and
	processes it; tests process it in memory). `now` is in the outbox's time zone."""

	def __init__(
		self,
		outbox: SandboxOutbox,
		inbox: WebhookInbox,
		config: WhatsAppConfig,
		*,
		now: Callable[[], datetime],
		on_accepted: Callable[[str], None],
		epoch: Callable[[], float] = time.time,
		clock: Callable[[], float] = time.monotonic,
		sleep: Callable[[float], None] = time.sleep,
	) -> None:
		self.outbox = outbox
		self.inbox = inbox
		self.config = config
		self._now = now
		self._on_accepted = on_accepted
		self._epoch = epoch
		self._clock = clock
		self._sleep = sleep

	def deliver_due(self) -> int:
		"""Report the next status of every Sandbox message whose delay has passed; how many."""
		now, reported = self._now(), 0
		for status, word in REPORTED_AFTER.items():
			for message in self.outbox.awaiting(status, BATCH):
				if message.since + delay_after(status, self.config) > now:
					break  # oldest first: the rest are not due either
				self._post(status_body(message, word, int(self._epoch())))
				reported += 1
		return reported

	def next_due(self) -> datetime | None:
		"""When the next status is due; None when no Sandbox message waits for one."""
		due = [
			waiting[0].since + delay_after(status, self.config)
			for status in REPORTED_AFTER
			if (waiting := self.outbox.awaiting(status, 1))
		]
		return min(due, default=None)

	def run(self, seconds: float = RUN_SECONDS) -> int:
		"""Deliver statuses as they fall due until none waits or `seconds` have passed; how many."""
		deadline, reported = self._clock() + seconds, 0
		while True:
			reported += self.deliver_due()
			due = self.next_due()
			if due is None:
				return reported
			wait = max((due - self._now()).total_seconds(), MIN_WAIT_SECONDS)
			if self._clock() + wait > deadline:
				return reported
			self._sleep(wait)

	def simulate_reply(
		self, device: str, number: str, text: str, profile_name: str = DEFAULT_PROFILE_NAME
	) -> str:
		"""A customer at `number` (E.164) writes `text` to the Sandbox `device`; the new wamid."""
		target = self.outbox.device(device)
		wamid = sandbox_wamid(uuid.uuid4().hex.upper())
		self._post(reply_body(target, number, text, wamid, int(self._epoch()), profile_name))
		return wamid

	def _post(self, body: dict[str, Any]) -> str:
		secret = self.config.app_secret
		if not secret:
			raise ConfigurationError(
				_(
					"Sandbox events are signed like Meta's webhooks: set an App secret in WhatsApp "
					"Integration Settings (any long random text on a site without a Meta app)."
				)
			)

		raw = encode(body)
		verify_signature(raw, sign(raw, secret), secret)  # the check the webhook endpoint makes
		name = self.inbox.accept(raw)
		self._on_accepted(name)
		return name
