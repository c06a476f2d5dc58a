"""Settings saved before "Send read receipts" existed get its default (on): a Single keeps no
default for a field added later, and reads a missing Check as off."""

import frappe

SETTINGS = "WhatsApp Integration Settings"


def execute() -> None:
	stored = frappe.db.sql(
		"select count(*) from `tabSingles` where doctype = %s and field = 'send_read_receipts'", SETTINGS
	)[0][0]
	if not stored:
		frappe.db.set_single_value(SETTINGS, "send_read_receipts", 1)
