"""Desk glue: what the browser needs at boot for "Send WhatsApp", and WhatsApp messages in the
timeline of the documents they were sent from."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.roles import SENDERS, has_any_role
from whatsapp_integration.site.settings import get_config

TIMELINE_LIMIT = 50
STATUS_COLORS = {"Queued": "orange", "Sent": "blue", "Delivered": "green", "Read": "green", "Failed": "red"}


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
	"""WhatsApp messages logged with this document as their reference (additional_timeline_content),
	those the user may read (a WhatsApp User sees their own)."""
	if doctype not in get_config().send_from_doctypes or not frappe.has_permission(MESSAGE_LOG):
		return []
	logs = frappe.get_list(
		MESSAGE_LOG,
		filters={"reference_doctype": doctype, "reference_name": docname},
		fields=["name", "creation", "status", "to_number", "text", "template_name", "error_reason"],
		order_by="creation desc",
		limit=TIMELINE_LIMIT,
	)
	return [{"icon": "message", "creation": log.creation, "content": _timeline_html(log)} for log in logs]


def _timeline_html(log: Any) -> str:
	body = log.text or (_("Template {0}").format(log.template_name) if log.template_name else "")
	snippet = escape_html((body or "")[:200])
	error = f'<div class="text-muted small">{escape_html(log.error_reason)}</div>' if log.error_reason else ""
	color = STATUS_COLORS.get(log.status, "gray")
	return (
		f'<div class="whatsapp-timeline-item">{escape_html(_("WhatsApp to {0}").format(log.to_number or ""))} '
		f'<span class="indicator-pill {color}">{escape_html(_(log.status))}</span> '
		f'<a href="/app/whatsapp-message-log/{escape_html(log.name)}">{escape_html(log.name)}</a>'
		f'<div class="text-muted">{snippet}</div>{error}</div>'
	)
