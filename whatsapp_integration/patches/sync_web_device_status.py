"""Web devices saved before their status followed the session get it from their session state
(the session host keeps it in sync from now on)."""

import frappe

from whatsapp_integration.core.web.states import SessionState, device_status


def execute() -> None:
	devices = frappe.get_all("WhatsApp Device", filters={"mode": "Web"}, fields=["name", "web_state"])
	for device in devices:
		status = device_status(SessionState(device.web_state or SessionState.STOPPED.value))
		frappe.db.set_value("WhatsApp Device", device.name, "status", status, update_modified=False)
