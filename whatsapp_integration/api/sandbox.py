"""Sandbox devices: a simulated customer reply, for trying the chat, notifications' reply
actions and other apps' inbound hooks without a phone (WhatsApp Manager only)."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.phone import normalize
from whatsapp_integration.core.sandbox import DEFAULT_PROFILE_NAME
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.roles import MANAGERS, has_any_role
from whatsapp_integration.site.services import sandbox_service
from whatsapp_integration.site.settings import get_config

MAX_REPLY_LENGTH = 4096  # as long as a WhatsApp text message may be


@frappe.whitelist(methods=["POST"])
def simulate_reply(device: str, number: str, text: str, profile_name: str | None = None) -> dict[str, Any]:
	"""A customer at `number` writes `text` to the Sandbox `device`: the message arrives as
	Meta's inbound webhook would (signed, through the webhook inbox) and is processed within
	seconds. Answers the new message's wamid."""
	if not has_any_role(MANAGERS):
		frappe.throw(_("Only a WhatsApp Manager can simulate replies."), frappe.PermissionError)
	if not (text or "").strip() or len(text) > MAX_REPLY_LENGTH:
		frappe.throw(_("Write the simulated reply: 1 to {0} characters.").format(MAX_REPLY_LENGTH))
	with user_errors():
		customer = normalize(number, get_config().default_country)
		wamid = sandbox_service(process_now=False).simulate_reply(
			device, customer, text, (profile_name or "").strip() or DEFAULT_PROFILE_NAME
		)
	return {"wamid": wamid, "from_number": customer, "device": device}
