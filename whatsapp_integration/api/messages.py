"""Whitelisted endpoints to send WhatsApp messages (official or web mode, by device)."""

from __future__ import annotations

from typing import Any

import frappe

from whatsapp_integration.core.message import OutboundMessage, Template
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.request_values import template_parameters
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
	message = _outbound(to, device, reference_doctype, reference_name, idempotency_key, text=text)
	return _send(message)


@frappe.whitelist(methods=["POST"])
def send_template(
	to: str,
	template: str,
	language: str = "en_US",
	parameters: list[str] | str | None = None,
	device: str | None = None,
	reference_doctype: str | None = None,
	reference_name: str | None = None,
	idempotency_key: str | None = None,
) -> dict[str, Any]:
	"""Send an approved template; `parameters` fill its body placeholders {{1}}, {{2}}, ... in order."""
	_check_can_send(reference_doctype, reference_name)
	content = Template(template, language, template_parameters(parameters))
	message = _outbound(
		to,
		device,
		reference_doctype,
		reference_name,
		idempotency_key,
		message_type=MessageType.TEMPLATE,
		template=content,
	)
	return _send(message)


def _outbound(
	to: str,
	device: str | None,
	reference_doctype: str | None,
	reference_name: str | None,
	idempotency_key: str | None,
	**content: Any,
) -> OutboundMessage:
	"""The send request of the current user."""
	return OutboundMessage(
		to=to,
		device=device,
		reference_doctype=reference_doctype,
		reference_name=reference_name,
		idempotency_key=idempotency_key,
		requested_by=frappe.session.user,
		**content,
	)


@frappe.whitelist(methods=["POST"])
def retry(name: str) -> dict[str, Any]:
	"""Put a Failed message back in the outbox; the retry job sends it within a minute."""
	_check_can_send(None, None)
	frappe.has_permission(MESSAGE_LOG, "read", name, throw=True)
	with user_errors():
		record = message_service().retry(name)
	return _result(record)


def _send(message: OutboundMessage) -> dict[str, Any]:
	with user_errors():
		record = message_service().send(message)
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
