"""`status`: is WhatsApp on this site healthy? ok, degraded or down, for monitors and people."""

from __future__ import annotations

from typing import Any

import frappe

from whatsapp_integration.core.operations.health import DOWN, overall
from whatsapp_integration.operations.health import gather_checks
from whatsapp_integration.site.roles import MANAGERS, has_any_role


@frappe.whitelist(allow_guest=True, methods=["GET"])
def status() -> dict[str, Any]:
	"""The overall word for everybody (monitors call it as Guest); the per-part checks only for
	WhatsApp Managers. Answers HTTP 503 when down, so a load balancer can act on the status code."""
	checks = gather_checks()
	word = overall(checks)
	if word == DOWN:
		frappe.local.response["http_status_code"] = 503
	if not has_any_role(MANAGERS):
		return {"status": word}
	return {"status": word, "checks": [check.to_dict() for check in checks]}
