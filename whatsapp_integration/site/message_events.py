"""The events other apps get about WhatsApp messages: the `whatsapp_message_events` hook.

An app subscribes in its hooks.py:

	whatsapp_message_events = {
		"inbound": ["my_app.handlers.on_inbound"],  # a customer's message was logged
		"outbound": ["my_app.handlers.on_outbound"],  # a message to a customer was logged
		"status": ["my_app.handlers.on_status"],  # a logged message's status changed
		"*": ["my_app.handlers.on_any"],  # all three
	}

Each handler is called with one argument, a `MessageEvent` dict, after the transaction that wrote
the row committed (a rolled-back write announces nothing). A handler that raises is rolled back
to where it began, logged in Error Log, and never breaks the send or webhook that announced it;
the other handlers still run. `repositories/message_log.py` (the one writer of the Message Log)
is the only caller of `announce`.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

import frappe
from frappe import _

from whatsapp_integration.site.doctypes import MESSAGE_LOG

HOOK = "whatsapp_message_events"
EVENTS = ("inbound", "outbound", "status")
EventName = Literal["inbound", "outbound", "status"]


class MessageEvent(TypedDict):
	event: EventName
	name: str  # the WhatsApp Message Log row
	direction: str  # "Inbound" or "Outbound"
	status: str
	previous_status: str | None  # None unless event == "status"
	device: str | None
	to_number: str | None
	from_number: str | None
	wamid: str | None
	message_type: str | None
	reference_doctype: str | None
	reference_name: str | None


def subscriptions() -> dict[str, list[str]]:
	"""Every installed app's `whatsapp_message_events`, merged by Frappe: event -> dotted paths."""
	return frappe.get_hooks(HOOK, default={}) or {}


ROW_FIELDS = tuple(
	field for field in MessageEvent.__annotations__ if field not in ("event", "previous_status")
)
"""The Message Log columns a `MessageEvent` carries."""


def message_event(event: EventName, row: dict[str, Any], previous_status: str | None = None) -> MessageEvent:
	"""The payload of `event` for the Message Log row whose columns are `row`."""
	values = {field: row.get(field) or None for field in ROW_FIELDS}
	return MessageEvent(event=event, previous_status=previous_status, **values)


def announce(payloads: list[MessageEvent]) -> None:
	"""Call the handlers of each payload once the current transaction commits."""
	hooks = subscriptions()
	if not hooks:
		return
	subscribed = [
		(payload, paths)
		for payload in payloads
		if (paths := [*hooks.get(payload["event"], []), *hooks.get("*", [])])
	]
	if subscribed:
		frappe.db.after_commit.add(lambda: _deliver(subscribed))


def _deliver(subscribed: list[tuple[MessageEvent, list[str]]]) -> None:
	for payload, paths in subscribed:
		for path in paths:
			_call(path, payload)


def _call(path: str, payload: MessageEvent) -> None:
	frappe.db.savepoint("whatsapp_message_event")
	try:
		frappe.get_attr(path)(dict(payload))
	except Exception:
		frappe.db.rollback(save_point="whatsapp_message_event")
		frappe.log_error(
			title=_("WhatsApp message event handler {0} failed").format(path),
			reference_doctype=MESSAGE_LOG,
			reference_name=payload["name"],
		)
