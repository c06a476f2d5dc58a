"""`NumberHealthRepository` (services.number_health) on the site's database: the number health
fields of WhatsApp Device. Writes go straight to the columns (no document save, no version row:
an hourly check must not touch the device's modified time or wake its form)."""

from __future__ import annotations

from datetime import datetime

import frappe

from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.site.doctypes import DEVICE

HEALTH_COLUMNS = ("quality_rating", "messaging_limit_tier", "number_status", "name_status")


class FrappeNumberHealthRepository:
	def official_devices(self) -> list[str]:
		filters = {"mode": DeviceMode.OFFICIAL, "enabled": 1, "phone_number_id": ("is", "set")}
		return frappe.get_all(DEVICE, filters=filters, pluck="name", order_by="name")

	def get_device(self, name: str | None) -> DeviceProfile:
		return FrappeMessageRepository().get_device(name)

	def stored_health(self, device: str) -> NumberHealth:
		row = frappe.db.get_value(DEVICE, device, HEALTH_COLUMNS, as_dict=True) or {}
		return NumberHealth(
			quality_rating=row.get("quality_rating") or "",
			messaging_limit_tier=row.get("messaging_limit_tier") or "",
			status=row.get("number_status") or "",
			name_status=row.get("name_status") or "",
		)

	def save_health(self, device: str, health: NumberHealth, checked_at: datetime) -> None:
		values = {
			"quality_rating": health.quality_rating,
			"messaging_limit_tier": health.messaging_limit_tier,
			"number_status": health.status,
			"name_status": health.name_status,
			"health_checked_at": checked_at,
		}
		frappe.db.set_value(DEVICE, device, values, update_modified=False)
		frappe.db.commit()  # nosemgrep: each device's health is kept even if a later device fails

	def save_check_error(self, device: str, error: str | None) -> None:
		frappe.db.set_value(DEVICE, device, "health_error", error, update_modified=False)
		frappe.db.commit()  # nosemgrep: as save_health

	def devices_for_update(self, phone_number: str | None, waba_id: str | None) -> list[str]:
		if phone_number:
			# phone_number is stored in E.164 (`+` and digits) by the device's validation
			filters = {"mode": DeviceMode.OFFICIAL, "phone_number": f"+{phone_number}"}
		elif waba_id:
			filters = {"mode": DeviceMode.OFFICIAL, "waba_id": waba_id}
		else:
			return []
		return frappe.get_all(DEVICE, filters=filters, pluck="name", order_by="name")
