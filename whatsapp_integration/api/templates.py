"""Whitelisted endpoints of the WhatsApp Template form: submit to Meta, preview."""

from __future__ import annotations

import json
from typing import Any

import frappe

from whatsapp_integration.site import templates as site_templates
from whatsapp_integration.site.doctypes import TEMPLATE
from whatsapp_integration.site.errors import user_errors


@frappe.whitelist(methods=["POST"])
def submit(name: str) -> dict[str, Any]:
	"""Create the template at Meta (or submit its edit); Meta's refusal comes back with its reason."""
	frappe.get_doc(TEMPLATE, name).check_permission("write")
	with user_errors():
		return site_templates.submit(name)


@frappe.whitelist()
def preview(doc: str | dict[str, Any]) -> str:
	"""HTML of the template as WhatsApp shows it (every value escaped), from the form's values."""
	frappe.has_permission(TEMPLATE, "read", throw=True)
	values = json.loads(doc) if isinstance(doc, str) else doc
	if not isinstance(values, dict):
		frappe.throw(frappe._("Send the template's fields as a JSON object."))
	return site_templates.preview_html(values)
