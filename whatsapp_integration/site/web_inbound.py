"""Messages a linked WhatsApp Web session read, stored through the webhook inbox like Meta's
(`core.web.inbound`): accepted as a row, then processed at once on the session host's relay
thread; a row that fails there is taken by the scheduler like any other."""

from __future__ import annotations

import json

import frappe

from whatsapp_integration.core.web.inbound import WebInbound, web_payload
from whatsapp_integration.site.services import webhook_inbox


def record_web_messages(device: str, messages: list[WebInbound]) -> None:
	inbox = webhook_inbox()
	name = inbox.accept(json.dumps(web_payload(device, messages), ensure_ascii=False).encode())
	frappe.db.commit()
	inbox.process_one(name)
	frappe.db.commit()
