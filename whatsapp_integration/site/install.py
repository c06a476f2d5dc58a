"""Install hooks: the roles exist and Settings hold their defaults."""

from __future__ import annotations

import frappe

from whatsapp_integration.repositories.contact_numbers import ensure_contact_number_index

ROLES = ("WhatsApp Manager", "WhatsApp User")


def after_install() -> None:
	ensure_roles()
	ensure_contact_number_index()


def after_migrate() -> None:
	ensure_roles()


def ensure_roles() -> None:
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)
