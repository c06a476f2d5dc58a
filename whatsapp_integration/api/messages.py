"""Whitelisted endpoints to send WhatsApp messages (official or web mode, by device)."""

from __future__ import annotations

import json
from typing import Any

import frappe
from frappe.utils import escape_html

from whatsapp_integration.core import request_content
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.files import check_can_send_file
from whatsapp_integration.site.roles import SENDERS, has_any_role
from whatsapp_integration.site.services import message_service


@frappe.whitelist(methods=["POST"])
def send(
	to: str,
	text: str,
	device: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	idempotency_key: str | None = None,
) -> dict[str, Any]:
	"""Send a text message. Returns the Message Log name, its status and WhatsApp's message id."""
	_check_can_send(reference_doctype, reference_name)
	return _send(to, device, reference_doctype, reference_name, idempotency_key, text=text)


@frappe.whitelist(methods=["POST"])
def send_template(
	to: str,
	template: str,
	language: str = "en_US",
	parameters: list | dict | str | None = None,
	header: dict | str | None = None,
	buttons: list | str | None = None,
	device: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	idempotency_key: str | None = None,
) -> dict[str, Any]:
	"""Send an approved template. `parameters` fill its body: a list in order ({{1}}, {{2}}, ...),
	objects with a name or a type (currency, date_time), or an object of named values; `header` is
	`{"text": ...}` or media (`{"type": "document", "file_url": ...}`); `buttons` give button
	parameters (`[{"index": 0, "sub_type": "url", "value": "INV-1"}]`)."""
	_check_can_send(reference_doctype, reference_name)
	with user_errors():
		header_media, header_text = request_content.header_from(_json(header))
		_check_file(header_media)
		content = Template(
			template,
			language,
			request_content.parameters_from(_json(parameters)),
			header_media=header_media,
			header_text=header_text,
			buttons=request_content.buttons_from(_json(buttons)),
		)
	return _send(
		to,
		device,
		reference_doctype,
		reference_name,
		idempotency_key,
		message_type=MessageType.TEMPLATE,
		template=content,
	)


@frappe.whitelist(methods=["POST"])
def send_media(
	to: str,
	kind: str,
	file_url: str | None = None,
	link: str | None = None,
	media_id: str | None = None,
	caption: str | None = None,
	filename: str | None = None,
	device: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	idempotency_key: str | None = None,
) -> dict[str, Any]:
	"""Send an image, document, video, audio or sticker: a File of the site (`file_url`, uploaded
	to Meta by the sender), a public `link` or an uploaded `media_id`; exactly one of them."""
	_check_can_send(reference_doctype, reference_name)
	values = {"type": kind, "file_url": file_url, "link": link, "media_id": media_id}
	with user_errors():
		media = request_content.media_from({**values, "caption": caption, "filename": filename})
		_check_file(media)
	return _send(
		to, device, reference_doctype, reference_name, idempotency_key, message_type=kind, media=media
	)


@frappe.whitelist(methods=["POST"])
def send_interactive(
	to: str,
	interactive: dict | str,
	device: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	idempotency_key: str | None = None,
) -> dict[str, Any]:
	"""Send reply buttons, a list or a CTA URL button (inside the customer's 24 h window)."""
	_check_can_send(reference_doctype, reference_name)
	with user_errors():
		content = request_content.interactive_from(_json(interactive))
		_check_file(content.header_media)
	return _send(
		to,
		device,
		reference_doctype,
		reference_name,
		idempotency_key,
		message_type=MessageType.INTERACTIVE,
		interactive=content,
	)


def _json(value: Any) -> Any:
	"""A JSON argument as decoded JSON (form posts send it as text)."""
	if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
		try:
			return json.loads(value)
		except ValueError:
			frappe.throw(frappe._("{0} is not valid JSON.").format(escape_html(value[:80])))
	return value


def _check_file(media: Media | None) -> None:
	"""A file of the site is sent only by who may read it."""
	if media is not None:
		check_can_send_file(media.file_url)


def _send(
	to: str,
	device: str | None,
	reference_doctype: str | None,
	reference_name: str | None,
	idempotency_key: str | None,
	**content: Any,
) -> dict[str, Any]:
	"""Send `content` as the current user; the Message Log's name, status and wamid."""
	message = OutboundMessage(
		to=to,
		device=device,
		reference_doctype=reference_doctype,
		reference_name=reference_name,
		idempotency_key=idempotency_key,
		requested_by=frappe.session.user,
		**content,
	)
	with user_errors():
		record = message_service().send(message)
	return _result(record)


@frappe.whitelist(methods=["POST"])
def retry(name: str) -> dict[str, Any]:
	"""Put a Failed message back in the outbox; the retry job sends it within a minute."""
	_check_can_send(None, None)
	frappe.has_permission(MESSAGE_LOG, "read", name, throw=True)
	with user_errors():
		record = message_service().retry(name)
	return _result(record)


def _result(record: MessageRecord) -> dict[str, Any]:
	result: dict[str, Any] = {"message_log": record.name, "status": record.status, "wamid": record.wamid}
	if record.error_reason:
		result["error"] = record.error_reason
	return result


def _check_can_send(reference_doctype: str | None, reference_name: str | None) -> None:
	if not has_any_role(SENDERS):
		frappe.throw(
			frappe._("You need the WhatsApp User role to send WhatsApp messages."),
			frappe.PermissionError,
		)
	if reference_doctype and reference_name:
		frappe.has_permission(reference_doctype, "read", reference_name, throw=True)
