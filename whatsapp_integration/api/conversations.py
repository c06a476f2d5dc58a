"""Whitelisted endpoints of the chat page (/app/whatsapp-chat): the conversation list, thread
pages, replies, read receipts, resolve/reopen and retries. Every endpoint checks the caller's role
and, for one conversation, that the access rule (`site/conversation_access.can_access`) lets them
see it; the list holds only the rows the same rule lets them see."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.core.chat import ConversationFilter, as_dict, kind_for_file
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.services.chat_service import Reply
from whatsapp_integration.site.chat import chat_service, read_receipt_job
from whatsapp_integration.site.chat_realtime import watching
from whatsapp_integration.site.conversation_access import can_access
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.files import check_can_send_file
from whatsapp_integration.site.request_values import template_parameters
from whatsapp_integration.site.roles import SENDERS, has_any_role
from whatsapp_integration.site.services import conversation_service, message_service

FILTERS = ("all", "unread", "mine")


@frappe.whitelist(methods=["GET"])
def conversations(
	filter: str = "all",
	device: str | None = None,
	search: str | None = None,
	doctype: str | None = None,
	docname: str | None = None,
	start: int = 0,
	page_length: int = 20,
) -> dict[str, Any]:
	"""A page of the conversations the caller may see, newest message first; `doctype` and
	`docname` keep those of one Contact, Customer, Lead or Supplier."""
	_check_role()
	if filter not in FILTERS:
		frappe.throw(_("filter must be one of {0}, not {1}.").format(", ".join(FILTERS), escape_html(filter)))
	wanted = ConversationFilter(
		unread_only=filter == "unread",
		assigned_to=frappe.session.user if filter == "mine" else None,
		device=device or None,
		search=search,
		linked_doctype=doctype or None,
		linked_name=docname or None,
		start=int(start),
		page_length=int(page_length),
	)
	with user_errors():
		page = chat_service().conversations(wanted)
	return {"conversations": as_dict(page.conversations), "has_more": page.has_more}


@frappe.whitelist(methods=["POST"])
def watch() -> None:
	"""The caller has the chat page open: for the next minutes, realtime events of the
	conversations they may see are sent to them (the page renews this every minute)."""
	_check_role()
	watching(frappe.session.user)


@frappe.whitelist(methods=["GET"])
def thread(conversation: str, older: str | None = None, limit: int = 50) -> dict[str, Any]:
	"""The newest `limit` messages (oldest first) before cursor `older`; the first page (no
	`older`) also carries the conversation and its 24 h window."""
	_check_read(conversation)
	service = chat_service()
	with user_errors():
		page = service.thread(conversation, older, int(limit))
	result: dict[str, Any] = {"messages": as_dict(page.messages), "older": page.older}
	if not older:
		summary, window = service.conversation(conversation)
		result.update(conversation=as_dict(summary), window=as_dict(window))
	return result


@frappe.whitelist(methods=["GET"])
def message(conversation: str, name: str) -> dict[str, Any]:
	"""One message of the conversation (after a realtime event named it)."""
	_check_read(conversation)
	with user_errors():
		return as_dict(chat_service().message(conversation, name))


@frappe.whitelist(methods=["POST"])
def send_reply(
	conversation: str,
	idempotency_key: str,
	text: str | None = None,
	template: str | None = None,
	parameters: list[str] | str | None = None,
	file_url: str | None = None,
	reply_to: str | None = None,
) -> dict[str, Any]:
	"""Reply through the outbox: `text`, a WhatsApp Template (its name, `parameters` in order) or a
	file of this site (`file_url`), optionally answering the conversation's message `reply_to`."""
	_check_read(conversation)
	if not idempotency_key:
		frappe.throw(
			_("idempotency_key is required: one key per reply, so a retried request never sends twice.")
		)
	with user_errors():
		reply = Reply(
			text=text or None,
			template=_template(template, parameters) if template else None,
			media=_media(file_url) if file_url else None,
			reply_to=reply_to or None,
			idempotency_key=idempotency_key,
		)
		record = chat_service().reply(conversation, reply, frappe.session.user)
	return {"message_log": record.name, "status": record.status, "error": record.error_reason}


@frappe.whitelist(methods=["POST"])
def mark_read(conversation: str) -> dict[str, Any]:
	"""The caller opened the conversation: its unread count goes to 0 and, when Settings allow it,
	Meta is told (in the background) that the customer's messages were read."""
	_check_read(conversation)
	with user_errors():
		receipt = chat_service().mark_read(conversation)
	if receipt:
		read_receipt_job(receipt)
	return {"unread_count": 0, "read_receipt": bool(receipt)}


@frappe.whitelist(methods=["POST"])
def resolve(conversation: str) -> dict[str, Any]:
	"""Mark the conversation Resolved (a new message from the customer reopens it)."""
	_check_read(conversation)
	with user_errors():
		return {"status": conversation_service().resolve(conversation).status}


@frappe.whitelist(methods=["POST"])
def reopen(conversation: str) -> dict[str, Any]:
	"""Mark a Resolved conversation Open again."""
	_check_read(conversation)
	with user_errors():
		return {"status": conversation_service().reopen(conversation).status}


@frappe.whitelist(methods=["POST"])
def retry(conversation: str, name: str) -> dict[str, Any]:
	"""Put a failed reply of the conversation back in the outbox."""
	_check_read(conversation)
	with user_errors():
		chat_service().message(conversation, name)  # it must belong to the conversation
		record = message_service().retry(name)
	return {"message_log": record.name, "status": record.status}


def _check_role() -> None:
	if not has_any_role(SENDERS):
		frappe.throw(_("You need the WhatsApp User role to use WhatsApp chat."), frappe.PermissionError)


def _check_read(conversation: str) -> None:
	_check_role()
	if not can_access(conversation):
		# The same answer whether it does not exist or may not be seen: names are not probed.
		frappe.throw(
			_("WhatsApp Conversation {0} does not exist or you may not see it.").format(
				escape_html(conversation)
			),
			frappe.PermissionError,
		)


def _template(name: str, parameters: list[str] | str | None) -> Template:
	found = frappe.db.get_value("WhatsApp Template", name, ["template_name", "language"], as_dict=True)
	if not found:
		frappe.throw(
			_("WhatsApp Template {0} does not exist; pick an approved template.").format(escape_html(name))
		)
	return Template(found.template_name, found.language or "en_US", template_parameters(parameters))


def _media(file_url: str) -> Media:
	check_can_send_file(file_url)
	filename = file_url.rsplit("/", 1)[-1]
	return Media(kind=kind_for_file(filename), file_url=file_url, filename=filename)
