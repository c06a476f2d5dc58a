"""Official mode: Meta's WhatsApp Business Cloud API."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.errors import ErrorAction, GraphApiError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.interactive import Interactive
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.core.phone import digits
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.senders.media import MediaSources, MediaUploader
from whatsapp_integration.senders.payloads import interactive_object, template_object


class CloudApiSender:
	"""Sends through `POST /{phone_number_id}/messages` of one business phone number. The Cloud
	API takes no idempotency key; the outbox's lease keeps a row from being sent twice."""

	def __init__(self, client: GraphClient, phone_number_id: str, media: MediaSources | None = None) -> None:
		self._client = client
		self._path = f"{phone_number_id}/messages"
		self._media = MediaUploader(client, phone_number_id, media)

	def send_text(
		self,
		to: str,
		text: str,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		payload = {"type": "text", "text": {"body": text, "preview_url": "://" in text}}
		return self._send(to, payload, callback_data, reply_to)

	def send_template(
		self,
		to: str,
		template: Template,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		body = template_object(template, self._header_media)
		return self._send(to, {"type": "template", "template": body}, callback_data, reply_to)

	def send_media(
		self,
		to: str,
		media: Media,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
		reply_to: str | None = None,
	) -> SendReceipt:
		content = {"type": media.kind, media.kind: self._media.payload(media)}
		return self._send(to, content, callback_data, reply_to)

	def mark_read(self, wamid: str) -> None:
		"""Tell Meta the customer's message `wamid` (and the earlier ones) was read: blue ticks."""
		self._client.post(
			self._path, {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
		)

	def send_interactive(
		self,
		to: str,
		message: Interactive,
		*,
		callback_data: str | None = None,
		idempotency_key: str | None = None,
	) -> SendReceipt:
		content = {"type": "interactive", "interactive": interactive_object(message, self._header_media)}
		return self._send(to, content, callback_data)

	def _header_media(self, media: Media) -> dict[str, str]:
		return self._media.payload(media, with_caption=False)

	def _send(
		self, to: str, content: dict[str, Any], callback_data: str | None, reply_to: str | None = None
	) -> SendReceipt:
		payload = {
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": digits(to),
			**content,
		}
		if callback_data:
			payload["biz_opaque_callback_data"] = callback_data
		if reply_to:
			payload["context"] = {"message_id": reply_to}
		return _receipt(self._client.post(self._path, payload))


def _receipt(body: dict[str, Any]) -> SendReceipt:
	messages = body.get("messages")
	if not (
		isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id")
	):
		raise GraphApiError(
			_("Meta's API accepted the request but returned no message id; it will be retried."),
			action=ErrorAction.RETRY,
		)
	contacts = body.get("contacts") or [{}]
	return SendReceipt(message_id=str(messages[0]["id"]), recipient_id=(contacts[0] or {}).get("wa_id"))
