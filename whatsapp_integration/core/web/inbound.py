"""Messages read from a linked WhatsApp Web session, as the webhook inbox takes them.

The session host reads incoming bubbles of unread chats (`session_host/receiver.py`); each has
WhatsApp Web's message id (`data-id`, e.g. `false_4917600000001@c.us_3EB0C431...`), which says
who wrote it. `web_payload` wraps them in the shape of Meta's webhook (object `whatsapp_web`,
the device named in `metadata.device`), so the same inbox path stores them: the id is the row's
wamid, which makes a message read twice one row. Media cannot be downloaded from the page: it
arrives as a placeholder with its type (`[image]`, or its caption).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

WEB_OBJECT = "whatsapp_web"
MEDIA_KINDS = ("sticker", "video", "audio", "document", "image")  # the order the page is asked in
_WEB_ID = re.compile(r"^(?P<own>true|false)_(?P<user>[^@_]+)@(?P<server>c\.us|lid|g\.us)_(?P<id>\S+)$")


@dataclass(frozen=True)
class WebInbound:
	"""One incoming message as the page shows it."""

	message_id: str
	wa_id: str | None  # the sender's number (digits), when the chat id is a phone number
	user_id: str | None  # the sender's WhatsApp id when it is no number (`<digits>@lid`)
	kind: str
	text: str | None
	profile_name: str | None
	at: int  # epoch seconds when it was read


def read_web_message(raw: dict[str, Any], profile_name: str | None, at: int) -> WebInbound | None:
	"""A bubble read by the page script (`{"id", "text", "kind"}`); None for our own messages,
	group chats and bubbles without an id."""
	match = _WEB_ID.match(str(raw.get("id") or ""))
	if match is None or match["own"] == "true" or match["server"] == "g.us":
		return None
	kind = str(raw.get("kind") or "text")
	is_number = match["server"] == "c.us" and match["user"].isdigit()
	return WebInbound(
		message_id=match.group(0),
		wa_id=match["user"] if is_number else None,
		user_id=None if is_number else f"{match['user']}@{match['server']}",
		kind=kind if kind in MEDIA_KINDS else "text",
		text=str(raw.get("text") or "").strip() or None,
		profile_name=(profile_name or "").strip() or None,
		at=at,
	)


def web_payload(device: str, messages: Iterable[WebInbound]) -> dict[str, Any]:
	"""A webhook-shaped body of `messages` received by Web device `device`."""
	messages = list(messages)
	contacts = {
		(message.wa_id, message.user_id): _contact(message) for message in messages if message.profile_name
	}
	value = {
		"messaging_product": "whatsapp",
		"metadata": {"device": device},
		"contacts": list(contacts.values()),
		"messages": [_message(message) for message in messages],
	}
	return {
		"object": WEB_OBJECT,
		"entry": [{"id": device, "changes": [{"field": "messages", "value": value}]}],
	}


def _contact(message: WebInbound) -> dict[str, Any]:
	contact: dict[str, Any] = {"profile": {"name": message.profile_name}}
	if message.wa_id:
		contact["wa_id"] = message.wa_id
	if message.user_id:
		contact["user_id"] = message.user_id
	return contact


def _message(message: WebInbound) -> dict[str, Any]:
	body: dict[str, Any] = {"id": message.message_id, "timestamp": str(message.at), "type": message.kind}
	if message.wa_id:
		body["from"] = message.wa_id
	if message.user_id:
		body["from_user_id"] = message.user_id
	if message.kind == "text":
		body["text"] = {"body": message.text or ""}
	else:
		body[message.kind] = {"caption": message.text} if message.text else {}
	return body
