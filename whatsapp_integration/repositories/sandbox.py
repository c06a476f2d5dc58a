"""`SandboxOutbox` on the site: the outbound Message Log rows of Sandbox devices still waiting
for their next status (read only; `repositories.message_log` stays the one writer)."""

from __future__ import annotations

import frappe
from frappe import _

from whatsapp_integration.core.errors import DeviceNotFound, InvalidMessage
from whatsapp_integration.core.sandbox import SandboxDevice, SandboxMessage
from whatsapp_integration.core.vocabulary import DeviceMode, Direction, MessageStatus
from whatsapp_integration.site.doctypes import DEVICE, MESSAGE_LOG

_SINCE = {MessageStatus.SENT: "sent_at", MessageStatus.DELIVERED: "delivered_at"}


class FrappeSandboxOutbox:
	def awaiting(self, status: str, limit: int) -> list[SandboxMessage]:
		devices = {
			row.name: SandboxDevice(row.phone_number_id, row.phone_number, row.waba_id)
			for row in frappe.get_all(
				DEVICE,
				filters={"mode": DeviceMode.SANDBOX, "phone_number_id": ("is", "set")},
				fields=["name", "phone_number_id", "phone_number", "waba_id"],
			)
		}
		if not devices:
			return []
		since = _SINCE[MessageStatus(status)]
		rows = frappe.db.sql(
			f"""
			SELECT wamid, to_number, device, `{since}` AS since, callback_data
			FROM `tab{MESSAGE_LOG}`
			WHERE device IN %(devices)s AND direction = %(direction)s AND status = %(status)s
				AND wamid IS NOT NULL AND `{since}` IS NOT NULL
			ORDER BY `{since}` LIMIT %(limit)s
			""",
			{"devices": tuple(devices), "direction": Direction.OUTBOUND, "status": status, "limit": limit},
			as_dict=True,
		)
		return [
			SandboxMessage(
				row.wamid, row.to_number or "", status, row.since, devices[row.device], row.callback_data
			)
			for row in rows
		]

	def device(self, name: str) -> SandboxDevice:
		row = frappe.db.get_value(
			DEVICE, name, ["mode", "phone_number_id", "phone_number", "waba_id"], as_dict=True
		)
		if row is None:
			raise DeviceNotFound(_("WhatsApp Device {0} does not exist.").format(name))
		if row.mode != DeviceMode.SANDBOX or not row.phone_number_id:
			raise InvalidMessage(
				_("Simulated replies are for Sandbox devices only; {0} is in {1} mode.").format(
					name, row.mode
				)
			)
		return SandboxDevice(row.phone_number_id, row.phone_number, row.waba_id)


def has_sandbox_devices() -> bool:
	return bool(frappe.db.exists(DEVICE, {"mode": DeviceMode.SANDBOX, "enabled": 1}))
