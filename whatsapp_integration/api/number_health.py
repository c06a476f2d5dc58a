"""Whitelisted endpoint for the number health of official devices (services/number_health.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.site.doctypes import DEVICE
from whatsapp_integration.site.number_health import number_health_service


@frappe.whitelist(methods=["POST"])
def refresh(device: str) -> dict[str, Any]:
	"""Read the device's quality rating, messaging limit and status from Meta now, store them on
	the device and alert on a drop (as the hourly check does). Needs write permission on it."""
	frappe.has_permission(DEVICE, "write", device, throw=True)
	if frappe.db.get_value(DEVICE, device, "mode") != DeviceMode.OFFICIAL:
		frappe.throw(_("Number health comes from Meta: only Official devices have it."))
	check = number_health_service().refresh(device)
	return {
		"device": device,
		"health": asdict(check.health) if check.health else None,
		"error": check.error,
		"stored": not check.passing,
	}
