"""New and changed messages reach open chat pages: a `whatsapp_message_events` handler (hooks.py)
publishes the realtime event `whatsapp_chat` to each user who has the chat page open and whom the
access rule (`site/conversation_access.can_access`) lets see the message's conversation, and to
nobody else. It runs after the write committed (`site/message_events.py`).

An open page says so every minute (`watching`, kept `VIEWER_SECONDS` in Redis): only those users
are checked, so a message nobody is looking at (a campaign's thousands of sends and statuses)
costs one Redis read, not an access check per user with a WhatsApp role.

The payload names the conversation, the message and its status, never its text: the page fetches
the message through the API, which checks access again and returns the text for escaping."""

from __future__ import annotations

import time
from typing import Any

import frappe

from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.conversation_access import can_access
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.message_events import MessageEvent

EVENT = "whatsapp_chat"
VIEWERS = cache_keys.name("chat", "viewers")
VIEWER_SECONDS = 150  # the page renews every 60 s


def watching(user: str) -> None:
	"""`user` has the chat page open."""
	frappe.cache.hset(VIEWERS, user, time.time() + VIEWER_SECONDS)


def viewers() -> list[str]:
	"""The users whose chat page said it was open within `VIEWER_SECONDS`."""
	now = time.time()
	entries = {_text(user): until for user, until in frappe.cache.hgetall(VIEWERS).items()}
	for user in [user for user, until in entries.items() if until < now]:
		frappe.cache.hdel(VIEWERS, user)
	return sorted(user for user, until in entries.items() if until >= now)


def publish(event: MessageEvent) -> None:
	watchers = viewers()
	if not watchers:
		return
	conversation = frappe.db.get_value(MESSAGE_LOG, event["name"], "conversation")
	if not conversation:
		return
	payload = chat_event(event, conversation)
	for user in watchers:
		if can_access(conversation, user):
			frappe.publish_realtime(EVENT, payload, user=user)


def chat_event(event: MessageEvent, conversation: str) -> dict[str, Any]:
	return {
		"event": event["event"],
		"conversation": conversation,
		"message": event["name"],
		"status": event["status"],
	}


def _text(value: str | bytes) -> str:
	return value.decode() if isinstance(value, bytes) else value
