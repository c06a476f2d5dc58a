"""Retention of WhatsApp Message Log through Frappe's Log Settings.

Log Settings' daily job calls `WhatsAppMessageLog.clear_old_logs(days)` with the days of its row
for the DocType; saving WhatsApp Integration Settings writes `log_retention_days` into that row,
so Settings stay the place to change it and Log Settings shows it next to Frappe's own logs.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe.utils import add_days, now_datetime

from whatsapp_integration.site.doctypes import MESSAGE_LOG, STATUS_EVENT
from whatsapp_integration.site.settings import get_config

DELETE_BATCH = 10_000


def clear_message_logs(days: int) -> int:
	"""Delete message logs (and their status history) created more than `days` days ago, in
	batches so no single statement holds locks for long. Returns how many logs went."""
	cutoff = add_days(now_datetime(), -int(days))
	deleted = 0
	while names := frappe.db.sql_list(
		f"SELECT name FROM `tab{MESSAGE_LOG}` WHERE creation < %s LIMIT %s", (cutoff, DELETE_BATCH)
	):
		frappe.db.delete(STATUS_EVENT, {"parenttype": MESSAGE_LOG, "parent": ("in", names)})
		frappe.db.delete(MESSAGE_LOG, {"name": ("in", names)})
		deleted += len(names)
	return deleted


def sync_log_settings(doc: Any = None, method: str | None = None) -> None:
	"""Write Settings' retention into Log Settings (doc_events on_update of the Settings)."""
	log_settings = frappe.get_single("Log Settings")
	log_settings.register_doctype(MESSAGE_LOG, get_config().log_retention_days)
	log_settings.save(ignore_permissions=True)
