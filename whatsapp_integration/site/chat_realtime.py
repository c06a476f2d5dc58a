"""New and changed messages reach open chat pages: a `whatsapp_message_events` handler (hooks.py)
publishes the realtime event `whatsapp_chat` to each user the access rule lets read the message's
conversation, and to nobody else. It runs after the write committed (`site/message_events.py`).

The payload names the conversation, the message and its status, never its text: the page fetches
the message through the API, which checks access again and returns the text for escaping."""

from __future__ import annotations

from typing import Any

import frappe

from whatsapp_integration.site.conversation_access import users_with_access
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.message_events import MessageEvent

EVENT = "whatsapp_chat"


def publish(event: MessageEvent) -> None:
	conversation = frappe.db.get_value(MESSAGE_LOG, event["name"], "conversation")
	if not conversation:
		return
	payload = chat_event(event, conversation)
	for user in users_with_access(conversation):
		frappe.publish_realtime(EVENT, payload, user=user)


def chat_event(event: MessageEvent, conversation: str) -> dict[str, Any]:
	return {
		"event": event["event"],
		"conversation": conversation,
		"message": event["name"],
		"status": event["status"],
	}
