"""Settings saved before *Web receive interval* existed: write its default (a Single keeps no
default for a field added later, and 0 would refuse every save of Settings)."""

import frappe

from whatsapp_integration.core.config import WhatsAppConfig

SETTINGS = "WhatsApp Integration Settings"


def execute() -> None:
	if not frappe.db.get_single_value(SETTINGS, "web_receive_interval"):
		frappe.db.set_single_value(SETTINGS, "web_receive_interval", WhatsAppConfig().web_receive_interval)
