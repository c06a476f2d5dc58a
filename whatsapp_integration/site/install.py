"""Install and document hooks: the roles exist, Settings hold their defaults, and every Contact
phone row carries its WhatsApp number (the indexed lookup of `repositories/contact_numbers.py`)."""

from __future__ import annotations

import frappe
from frappe.model.document import Document

from whatsapp_integration.repositories import contact_numbers
from whatsapp_integration.site.roles import APP_ROLES


def before_install() -> None:
	"""Make this process see the app's modules before Frappe syncs its DocTypes.

	`install-app` syncs the modules of `frappe.local.app_modules`, which `frappe.init` read from
	the site's cache. A site whose cache was filled before `bench get-app` added the app to
	apps.txt (any existing site) lists no module of ours there, so the install synced nothing and
	still reported success ("DocType WhatsApp Device not found" until clear-cache and migrate).
	`install_app` has cleared the cache by now; rebuilding the map reads apps.txt afresh."""
	frappe.setup_module_map()


def after_install() -> None:
	ensure_roles()
	contact_numbers.ensure_contact_number_index()


def after_migrate() -> None:
	ensure_roles()
	contact_numbers.ensure_contact_number_index()


def index_contact_numbers(doc: Document, method: str | None = None) -> None:
	"""Contact `validate` hook."""
	contact_numbers.index_contact_numbers(doc, method)


def ensure_roles() -> None:
	for role in APP_ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)
