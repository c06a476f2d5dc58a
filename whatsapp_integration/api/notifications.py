"""Whitelisted endpoints of the WhatsApp Notification form: preview and activity."""

from __future__ import annotations

from typing import Any

import frappe

from whatsapp_integration.site import notifications
from whatsapp_integration.site.doctypes import NOTIFICATION


@frappe.whitelist()
def preview(rule: str, document: str) -> dict[str, Any]:
	"""The message rule `rule` would send for `document` (of its DocType) now, and to whom; sends
	nothing. Needs read on the rule and on the document."""
	frappe.has_permission(NOTIFICATION, "read", rule, throw=True)
	return notifications.preview(rule, document)


@frappe.whitelist()
def activity(rule: str) -> dict[str, Any]:
	"""The rule's messages: counts by status and the 20 latest Message Logs."""
	frappe.has_permission(NOTIFICATION, "read", rule, throw=True)
	return notifications.activity(rule)
