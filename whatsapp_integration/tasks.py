"""Scheduler entry points (see hooks.py). Each calls a service; no logic here."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, now_datetime

from whatsapp_integration.runtime import message_service
from whatsapp_integration.settings import get_config

RETRY_BATCH = 200


def retry_queued_messages() -> None:
	"""Send Message Log rows whose retry is due (the outbox's retry loop)."""
	message_service().retry_due(RETRY_BATCH)


def purge_old_logs() -> None:
	"""Delete message logs older than the retention days in Settings."""
	cutoff = add_days(now_datetime(), -get_config().log_retention_days)
	old = frappe.get_all("WhatsApp Message Log", filters={"creation": ("<", cutoff)}, pluck="name")
	if old:
		frappe.db.delete(
			"WhatsApp Message Status Event", {"parent": ("in", old), "parenttype": "WhatsApp Message Log"}
		)
		frappe.db.delete("WhatsApp Message Log", {"name": ("in", old)})
