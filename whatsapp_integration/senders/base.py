"""The one interface both modes implement, so services never care which mode a device uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from whatsapp_integration.core.interactive import Interactive
from whatsapp_integration.core.message import Media, Template


@dataclass(frozen=True)
class SendReceipt:
	"""WhatsApp accepted the message. Acceptance is not delivery: that arrives by webhook."""

	message_id: str
	recipient_id: str | None = None


class WhatsAppSender(Protocol):
	"""Hands messages to WhatsApp. `to` is E.164; failures raise `SendFailed`.

	`idempotency_key` is the Message Log's key: a sender that can tell a repeated send (the
	WhatsApp Web host) answers it with the first result instead of sending it twice. How long
	a send may take is `core.send_budget.worst_case_seconds(mode, config)`."""

	def send_text(
		self, to: str, text: str, *, callback_data: str | None = None, idempotency_key: str | None = None
	) -> SendReceipt: ...

	def send_template(
		self,
		to: str,
		template: Template,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt: ...

	def send_media(
		self, to: str, media: Media, *, callback_data: str | None = None, idempotency_key: str | None = None
	) -> SendReceipt: ...

	def send_interactive(
		self,
		to: str,
		message: Interactive,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt: ...
