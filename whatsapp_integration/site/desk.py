"""Desk glue: what the browser needs at boot for "Send WhatsApp", and WhatsApp messages in the
timeline of the documents they were sent from and of the customers who wrote them."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.core.vocabulary import Direction
from whatsapp_integration.repositories.contact_numbers import PARTY_PREFERENCE
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.roles import SENDERS, has_any_role
from whatsapp_integration.site.settings import get_config

TIMELINE_LIMIT = 50
STATUS_COLORS = {
	"Queued": "orange",
	"Sent": "blue",
	"Delivered": "green",
	"Read": "green",
	"Failed": "red",
	"Received": "purple",
}


def boot_session(bootinfo: Any) -> None:
	"""`frappe.boot.whatsapp`: the DocTypes that get a Send WhatsApp button (for senders only)."""
	if frappe.session.user == "Guest" or not has_any_role(SENDERS):
		return
	try:
		doctypes = list(get_config().send_from_doctypes)
	except Exception:  # Settings not readable yet (install, broken config): no button, no crash
		doctypes = []
	bootinfo.whatsapp = {"send_from_doctypes": doctypes}


def timeline_content(doctype: str, docname: str) -> list[dict[str, Any]]:
	"""WhatsApp messages in a document's timeline (additional_timeline_content): those sent with it
	as their reference, and the messages its customer wrote (a Contact, or the Customer, Lead or
	Supplier behind it); only those the user may read (site/conversation_access.py)."""
	if not frappe.has_permission(MESSAGE_LOG):
		return []
	filters = []
	if doctype in get_config().send_from_doctypes:
		filters.append({"reference_doctype": doctype, "reference_name": docname})
	if doctype == "Contact":
		filters.append({"direction": Direction.INBOUND, "contact": docname})
	elif doctype in PARTY_PREFERENCE:
		filters.append({"direction": Direction.INBOUND, "party_type": doctype, "party": docname})
	logs = {log.name: log for condition in filters for log in _timeline_logs(condition)}
	latest = sorted(logs.values(), key=lambda log: log.creation, reverse=True)[:TIMELINE_LIMIT]
	return [{"icon": "message", "creation": log.creation, "content": _timeline_html(log)} for log in latest]


def _timeline_logs(filters: dict[str, Any]) -> list[Any]:
	return frappe.get_list(
		MESSAGE_LOG,
		filters=filters,
		fields=[
			"name",
			"creation",
			"direction",
			"status",
			"to_number",
			"from_number",
			"profile_name",
			"message_type",
			"text",
			"media_caption",
			"template_name",
			"error_reason",
		],
		order_by="creation desc",
		limit=TIMELINE_LIMIT,
	)


def ltr_html(value: str | None) -> str:
	"""A phone number (or wamid, code) escaped and isolated left to right, so it reads in order also
	inside Persian or Arabic text (the bundle's whatsapp_integration.ltr does the same in the desk)."""
	if not value:
		return ""
	return f'<bdi dir="ltr" class="whatsapp-ltr">{escape_html(value)}</bdi>'


def _timeline_html(log: Any) -> str:
	inbound = log.direction == Direction.INBOUND
	body = log.text or log.media_caption or ""
	if not body and log.template_name:
		body = _("Template {0}").format(log.template_name)
	if not body and log.message_type and log.message_type != "text":
		body = f"[{log.message_type}]"
	snippet = escape_html(body[:200])
	error = f'<div class="text-muted small">{escape_html(log.error_reason)}</div>' if log.error_reason else ""
	color = STATUS_COLORS.get(log.status, "gray")
	if inbound:
		sender = escape_html(log.profile_name) if log.profile_name else ltr_html(log.from_number)
		title = escape_html(_("WhatsApp from {0}")).format(sender)
	else:
		title = escape_html(_("WhatsApp to {0}")).format(ltr_html(log.to_number))
	return (
		f'<div class="whatsapp-timeline-item">{title} '
		f'<span class="indicator-pill {color}">{escape_html(_(log.status))}</span> '
		f'<a href="/app/whatsapp-message-log/{escape_html(log.name)}">{escape_html(log.name)}</a>'
		f'<div class="text-muted">{snippet}</div>{error}</div>'
	)
