"""Chrome options saved before Settings refused unsafe switches: drop the refused lines (a
stored `--renderer-cmd-prefix=...` would otherwise stop the config from loading at all)."""

import frappe

from whatsapp_integration.core.chrome_switches import refused_chrome_switches

SETTINGS = "WhatsApp Integration Settings"


def execute() -> None:
	stored = frappe.db.get_single_value(SETTINGS, "chrome_options") or ""
	lines = [line.strip() for line in stored.splitlines() if line.strip()]
	refused = set(refused_chrome_switches(lines))
	if refused:
		kept = "\n".join(line for line in lines if line not in refused)
		frappe.db.set_single_value(SETTINGS, "chrome_options", kept)
		print(f"WhatsApp Integration Settings: dropped refused Chrome options {sorted(refused)}")
