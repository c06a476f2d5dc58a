"""Whitelisted endpoints of the WhatsApp Template form: submit to Meta, preview."""

from __future__ import annotations

import json
from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.core.errors import WhatsAppError
from whatsapp_integration.core.i18n import sentence_of
from whatsapp_integration.site import templates as site_templates
from whatsapp_integration.site.doctypes import TEMPLATE
from whatsapp_integration.site.errors import frappe_exception_for, translated


@frappe.whitelist(methods=["POST"])
def submit(name: str) -> dict[str, Any]:
	"""Create the template at Meta (or submit its edit); Meta's refusal comes back with its reason.
	What to fix (the template's own values, Meta's words) is shown as text, one problem a line."""
	frappe.get_doc(TEMPLATE, name).check_permission("write")
	try:
		return site_templates.submit(name)
	except WhatsAppError as error:
		frappe.local.flags.disable_traceback = True
		problems = getattr(error, "problems", None) or [sentence_of(error)]
		frappe.throw(
			"<br>".join(escape_html(translated(problem)) for problem in problems),
			exc=frappe_exception_for(error),
			title=_("WhatsApp template not submitted"),
		)


@frappe.whitelist()
def preview(doc: str | dict[str, Any]) -> str:
	"""HTML of the template as WhatsApp shows it (every value escaped), from the form's values."""
	frappe.has_permission(TEMPLATE, "read", throw=True)
	values = json.loads(doc) if isinstance(doc, str) else doc
	if not isinstance(values, dict):
		frappe.throw(_("Send the template's fields as a JSON object."))
	return site_templates.preview_html(values)
