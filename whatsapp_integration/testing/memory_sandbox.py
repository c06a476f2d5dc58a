"""`SandboxOutbox` in memory: the outbound messages of `MemoryWebhookRepository`, filled by a
Sandbox sender's `on_send` (as the outbox logs a send), for the framework-free tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from whatsapp_integration.core.errors import DeviceNotFound
from whatsapp_integration.core.sandbox import SandboxDevice, SandboxMessage
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.senders.sandbox import SandboxSend
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

_SINCE = {MessageStatus.SENT: "sent_at", MessageStatus.DELIVERED: "delivered_at"}


class MemorySandboxOutbox:
	def __init__(
		self,
		webhooks: MemoryWebhookRepository,
		devices: dict[str, SandboxDevice],
		now: Callable[[], datetime],
	) -> None:
		self.webhooks = webhooks
		self.devices = devices
		self._now = now
		self._lock = threading.Lock()
		self._sends: dict[str, SandboxSend] = {}

	def record(self, send: SandboxSend) -> None:
		"""A Sandbox sender's `on_send`: the message is logged Sent, as the outbox does."""
		with self._lock:
			self._sends[send.wamid] = send
		self.webhooks.add_outbound(send.wamid, MessageStatus.SENT, sent_at=self._now(), to_number=send.to)

	def awaiting(self, status: str, limit: int) -> list[SandboxMessage]:
		with self._lock:
			sends = dict(self._sends)
		waiting = [
			SandboxMessage(
				wamid,
				state.to_number or "",
				status,
				getattr(state, _SINCE[status]),
				send.device,
				send.callback_data,
			)
			for wamid, send in sends.items()
			if (state := self.webhooks.outbound.get(wamid)) is not None and state.status == status
		]
		return sorted(waiting, key=lambda message: message.since)[:limit]

	def device(self, name: str) -> SandboxDevice:
		if name not in self.devices:
			raise DeviceNotFound(f"No Sandbox device {name}.")
		return self.devices[name]
