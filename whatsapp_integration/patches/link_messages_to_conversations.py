"""Messages logged before conversations existed get theirs: one WhatsApp Conversation per device
and customer (number, else BSUID) with its last inbound and last message time, preview, direction
and Contact, every such Message Log row linked to it. Nothing is unread, assigned or notified:
these are old messages. New messages keep conversations up to date themselves."""

from __future__ import annotations

import frappe

from whatsapp_integration.core.conversation import (
	KEY_SEPARATOR,
	ConversationState,
	conversation_key,
	preview_of,
)
from whatsapp_integration.core.vocabulary import Direction
from whatsapp_integration.repositories import conversations
from whatsapp_integration.site.doctypes import CONVERSATION, MESSAGE_LOG


def _customer(table: str = "") -> str:
	"""SQL: the customer of a Message Log row, as in its conversation's key (number, else BSUID)."""
	at = f"{table}." if table else ""
	return f"if({at}direction = 'Inbound', coalesce(nullif({at}from_number, ''), {at}from_user_id), {at}to_number)"


def execute() -> None:
	created = [name for group in _customers() if (name := _create(group))]
	_link_rows()
	for name in created:
		_describe(name)


def _customers() -> list[frappe._dict]:
	return frappe.db.sql(
		f"""select device, {_customer()} as customer,
			max(if(direction = 'Inbound', nullif(from_number, ''), to_number)) as number,
			max(if(direction = 'Inbound', nullif(from_user_id, ''), null)) as bsuid,
			max(if(direction = 'Inbound', received_at, null)) as last_inbound_at
		from `tab{MESSAGE_LOG}` where conversation is null and device is not null
		group by device, customer having customer is not null""",
		as_dict=True,
	)


def _create(group: frappe._dict) -> str | None:
	number = group.number if group.customer == group.number else None
	key = conversation_key(group.device, number, group.bsuid if not number else None)
	if frappe.db.exists(CONVERSATION, {"conversation_key": key}):
		return None
	state = ConversationState(
		group.device, key, number, group.bsuid, title=group.customer, last_inbound_at=group.last_inbound_at
	)
	return conversations.insert(state)


def _link_rows() -> None:
	frappe.db.sql(
		f"""update `tab{MESSAGE_LOG}` log join `tab{CONVERSATION}` conversation
		on conversation.conversation_key = concat(log.device, {frappe.db.escape(KEY_SEPARATOR)}, {_customer("log")})
		set log.conversation = conversation.name where log.conversation is null"""
	)


def _describe(name: str) -> None:
	"""Preview, direction and time of the conversation's last message; the Contact of its customer."""
	last = frappe.db.get_value(
		MESSAGE_LOG,
		{"conversation": name},
		["creation", "direction", "message_type", "text", "media_caption", "media_filename", "template_name"],
		as_dict=True,
		order_by="creation desc",
	)
	if not last:
		return
	values = {
		"last_message_at": last.creation,
		"last_direction": last.direction,
		"last_message_preview": preview_of(
			last.message_type, last.text, last.media_caption, last.media_filename, last.template_name
		),
	}
	known = frappe.db.get_value(
		MESSAGE_LOG,
		{"conversation": name, "direction": Direction.INBOUND, "contact": ("is", "set")},
		["contact", "party_type", "party"],
		as_dict=True,
		order_by="creation desc",
	)
	if known:
		values.update(
			contact=known.contact, party_doctype=known.party_type, party_name=known.party, title=known.contact
		)
	frappe.db.set_value(CONVERSATION, name, values, update_modified=False)
