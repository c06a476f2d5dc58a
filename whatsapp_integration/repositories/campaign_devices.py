"""The devices of a campaign that sends through several (`WhatsApp Campaign Device` rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import frappe

from whatsapp_integration.site.doctypes import CAMPAIGN, CAMPAIGN_DEVICE


def devices_of(doc: Mapping[str, Any]) -> tuple[str, ...]:
	"""The campaign's devices, in order: from the document's own rows when it carries them (a
	form being saved), else from the database."""
	rows = doc.get("devices")
	if isinstance(rows, list):
		return tuple(row.get("device") for row in rows if row.get("device"))
	if not doc.get("name"):
		return ()
	filters = {"parent": doc["name"], "parenttype": CAMPAIGN, "parentfield": "devices"}
	return tuple(frappe.get_all(CAMPAIGN_DEVICE, filters=filters, pluck="device", order_by="idx"))
