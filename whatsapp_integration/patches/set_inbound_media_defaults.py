"""Settings saved before the inbound media fields existed: write their defaults (a Single keeps no
default for a field added later, and a size of 0 would refuse every save of Settings)."""

import frappe

from whatsapp_integration.core.inbound_media import DEFAULT_MEDIA_MAX_MB, DEFAULT_MEDIA_MIME_TYPES

SETTINGS = "WhatsApp Integration Settings"


def execute() -> None:
	if not frappe.db.get_single_value(SETTINGS, "inbound_media_max_mb"):
		frappe.db.set_single_value(SETTINGS, "inbound_media_max_mb", DEFAULT_MEDIA_MAX_MB)
	if not (frappe.db.get_single_value(SETTINGS, "inbound_media_mime_types") or "").strip():
		frappe.db.set_single_value(SETTINGS, "inbound_media_mime_types", "\n".join(DEFAULT_MEDIA_MIME_TYPES))
