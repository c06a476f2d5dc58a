"""Sandbox mode: the message never leaves the site. The sender answers like Meta (a wamid and
the recipient's WhatsApp id) without any network request and reports each send to `on_send`;
the site then delivers the message's Delivered and Read statuses through the webhook inbox
(`services.sandbox`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.interactive import Interactive
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.core.phone import digits
from whatsapp_integration.core.sandbox import SandboxDevice, sandbox_wamid
from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.senders.factory import DeviceProfile, SenderBuilder


@dataclass(frozen=True)
class SandboxSend:
	"""One send as a Sandbox device made it."""

	device: SandboxDevice
	wamid: str
	to: str
	kind: str
	callback_data: str | None = None


class SandboxSender:
	def __init__(
		self,
		device: SandboxDevice,
		on_send: Callable[[SandboxSend], None],
		new_token: Callable[[], str] = lambda: uuid.uuid4().hex.upper(),
	) -> None:
		self.device = device
		self._on_send = on_send
		self._new_token = new_token

	def send_text(
		self,
		to: str,
		text: str,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		return self._accept(to, MessageType.TEXT, callback_data)

	def send_template(
		self,
		to: str,
		template: Template,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		return self._accept(to, MessageType.TEMPLATE, callback_data)

	def send_media(
		self,
		to: str,
		media: Media,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		return self._accept(to, media.kind, callback_data)

	def send_interactive(
		self,
		to: str,
		message: Interactive,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt:
		return self._accept(to, MessageType.INTERACTIVE, callback_data)

	def _accept(self, to: str, kind: str, callback_data: str | None) -> SendReceipt:
		send = SandboxSend(self.device, sandbox_wamid(self._new_token()), to, kind, callback_data)
		self._on_send(send)
		return SendReceipt(message_id=send.wamid, recipient_id=digits(to))


def sandbox_sender_builder(on_send: Callable[[SandboxSend], None]) -> SenderBuilder:
	"""The builder to `SenderFactory.register(DeviceMode.SANDBOX, ...)`."""

	def build(device: DeviceProfile, config: WhatsAppConfig) -> SandboxSender:
		if not device.phone_number_id:
			raise ConfigurationError(
				_("Sandbox device {device} has no Phone Number ID: save the device once to get one.").format(
					device=device.name
				)
			)
		if not config.app_secret:
			raise ConfigurationError(
				_(
					"Sandbox device {device} reports its statuses as signed webhooks: set an App secret "
					"in WhatsApp Integration Settings (any long random text on a site without a Meta app)."
				).format(device=device.name)
			)

		return SandboxSender(
			SandboxDevice(device.phone_number_id, device.phone_number, device.waba_id), on_send
		)

	return build
