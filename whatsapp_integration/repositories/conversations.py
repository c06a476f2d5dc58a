"""The one writer of WhatsApp Conversation rows.

`record` is called by the Message Log store (`message_log.py`) for every message it writes, in
the same transaction as the log row: it locks the customer's conversation (or creates it: the
unique `conversation_key` lets the database decide between two racing workers), applies the
upsert rule of `core.conversation` and, when the customer wrote for the first time, assigns it
(`site/conversation_assignment.py`); the assignee hears of every new inbound message.
`set_status` and `mark_read` are the changes people make (through `services/conversations.py`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import frappe
from frappe.utils import get_datetime, now_datetime
from pypika.terms import Case

from whatsapp_integration.core.conversation import (
	ConversationState,
	MessageSeen,
	apply_message,
	needs_assignment,
)
from whatsapp_integration.core.vocabulary import Direction
from whatsapp_integration.core.webhook_records import ContactLink
from whatsapp_integration.repositories.contact_numbers import (
	contact_by_number,
	contact_link,
	contact_links,
	contacts_by_number,
)
from whatsapp_integration.repositories.rows import DOC_FIELDS, doc_values, insert_once
from whatsapp_integration.site import conversation_assignment
from whatsapp_integration.site.doctypes import CONVERSATION

FIELDS = tuple(field.name for field in dataclasses.fields(ConversationState))
_DATETIMES = ("last_inbound_at", "last_message_at")


def record(message: MessageSeen) -> str | None:
	"""Create or update the conversation of `message`; returns its name (None for a message with
	no customer: neither number nor BSUID). The caller commits."""
	if not message.device or not (message.number or message.bsuid):
		return None
	before = find(message.device, message.number, message.bsuid, lock=True)
	if before is None and message.contact is None and message.number:
		contact = contact_by_number(message.number)  # the first message to a known customer
		message = dataclasses.replace(message, contact=contact_link(contact) if contact else None)
	after = apply_message(before, message)
	if before is None:
		name = insert(after)
		if name is None:  # a racing worker created it first: apply the message to theirs
			return record(message)
		after = dataclasses.replace(after, name=name)
	else:
		_update(before, after)
	if needs_assignment(before, after):
		after = dataclasses.replace(after, assigned_to=conversation_assignment.assign_new(after))
	if message.direction == Direction.INBOUND and after.assigned_to:
		conversation_assignment.notify_assignee(after, message.preview)
	return after.name or ""


def record_many(messages: list[MessageSeen]) -> list[str | None]:
	"""`record` for a batch of messages to customers (a campaign batch), in a few statements.
	Returns the conversation of each message. Customers' messages (assignment, notifications) use
	`record`. Two batches of one device (two campaign dispatchers) must not deadlock, so nothing
	here locks a range or a gap (an INSERT of the other batch would wait for it while that batch
	waits for this one's INSERT): the known conversations are found by a plain read and locked by
	name, the new ones are inserted in key order (`_insert_new`), the known ones updated by name."""
	if any(
		message.direction == Direction.INBOUND or not (message.device and message.number)
		for message in messages
	):
		return [record(message) for message in messages]
	before = _lock_known(messages)
	links = _links_for([message.number or "" for message in messages if _key(message) not in before])
	after = _apply(before, messages, links)
	new = {
		key: dataclasses.replace(state, name=frappe.generate_hash(length=10))
		for key, state in after.items()
		if key not in before
	}
	raced = _insert_new(list(new.values()))
	if raced:  # a racing batch created some of them first: apply the messages to theirs
		before.update({(state.device, state.contact_number or ""): state for state in raced})
		after = _apply(before, messages, links)
	after.update({key: state for key, state in new.items() if key not in before})
	_update_many([(state, after[key]) for key, state in before.items()])
	return [after[_key(message)].name or "" for message in messages]


def _apply(
	before: dict[tuple[str, str], ConversationState],
	messages: list[MessageSeen],
	links: dict[str, ContactLink],
) -> dict[tuple[str, str], ConversationState]:
	"""The conversations after `messages` (in order), from `before`; a new one gets its Contact."""
	after = dict(before)
	for message in messages:
		if _key(message) not in after:
			message = dataclasses.replace(message, contact=links.get(message.number or ""))
		after[_key(message)] = apply_message(after.get(_key(message)), message)
	return after


def find(
	device: str, number: str | None, bsuid: str | None, *, lock: bool = False
) -> ConversationState | None:
	"""The conversation of a customer (by number, else by BSUID) on `device`; `lock`: for update."""
	for field, value in (("contact_number", number), ("bsuid", bsuid)):
		if value:
			row = frappe.db.get_value(
				CONVERSATION, {"device": device, field: value}, list(FIELDS), as_dict=True, for_update=lock
			)
			if row:
				return state_from(row)
	return None


def get(name: str, *, lock: bool = False) -> ConversationState:
	row = frappe.db.get_value(CONVERSATION, name, list(FIELDS), as_dict=True, for_update=lock)
	if not row:
		raise LookupError(frappe._("WhatsApp Conversation {0} does not exist.").format(repr(name)))
	return state_from(row)


def save(before: ConversationState, after: ConversationState) -> None:
	"""Store what changed between `before` and `after` (a person's change: status, unread)."""
	_update(before, after)


def _key(message: MessageSeen) -> tuple[str, str]:
	return message.device, message.number or ""


def _lock_known(messages: list[MessageSeen]) -> dict[tuple[str, str], ConversationState]:
	"""The conversations the messages' customers have, locked. A locking read by number would lock
	index ranges and the gaps of new customers; so a plain read finds them and the lock is taken
	on exactly those rows, by primary key (record locks, in name order)."""
	numbers: dict[str, set[str]] = {}
	for message in messages:
		numbers.setdefault(message.device, set()).add(message.number or "")
	names = [
		name
		for device, wanted in numbers.items()
		for name in frappe.get_all(
			CONVERSATION, filters={"device": device, "contact_number": ("in", sorted(wanted))}, pluck="name"
		)
	]
	if not names:
		return {}
	table = frappe.qb.DocType(CONVERSATION)
	query = (
		frappe.qb.from_(table)
		.force_index("PRIMARY")
		.select(*FIELDS)
		.where(table.name.isin(sorted(names)))
		.for_update()
	)
	states = [state_from(row) for row in query.run(as_dict=True)]
	return {(state.device, state.contact_number or ""): state for state in states}


def _links_for(numbers: list[str]) -> dict[str, ContactLink]:
	contacts = contacts_by_number(numbers)
	links = contact_links(sorted(set(contacts.values()))) if contacts else {}
	return {number: links[contact] for number, contact in contacts.items()}


def _insert_new(states: list[ConversationState]) -> list[ConversationState]:
	"""Insert new conversations with one statement, in key order. A key a racing batch inserted
	first is not an error: ON DUPLICATE KEY UPDATE (a no-op) locks that row exclusively instead, in
	the same order. Returns those conversations of other batches, as stored (a locking read sees
	rows committed after this transaction's snapshot)."""
	if not states:
		return []
	states = sorted(states, key=lambda state: state.conversation_key)
	fields = [field for field in FIELDS if field != "name"]
	table = frappe.qb.DocType(CONVERSATION)
	query = frappe.qb.into(table).columns(*DOC_FIELDS, *fields)
	for state in states:
		query = query.insert((*doc_values(state.name), *(getattr(state, field) for field in fields)))
	query.on_duplicate_key_update(table.conversation_key, table.conversation_key).run()
	keys = [state.conversation_key for state in states]
	stored = (
		frappe.qb.from_(table)
		.force_index("conversation_key")
		.select(*FIELDS)
		.where(table.conversation_key.isin(keys))
		.for_update()
		.run(as_dict=True)
	)
	ours = {state.name for state in states}
	return [state_from(row) for row in stored if row.name not in ours]


def _update_many(pairs: list[tuple[ConversationState, ConversationState]]) -> None:
	"""Store what changed in each (before, after) pair with one UPDATE (a CASE per column)."""
	changed = [(before, after) for before, after in pairs if before != after]
	if not changed:
		return
	columns = sorted(
		{
			field
			for before, after in changed
			for field in FIELDS
			if getattr(before, field) != getattr(after, field)
		}
	)
	table = frappe.qb.DocType(CONVERSATION)
	query = frappe.qb.update(table).set(table.modified, now_datetime())
	for column in columns:
		case = Case()
		for before, after in changed:
			case = case.when(table.name == before.name, getattr(after, column))
		query = query.set(table[column], case.else_(table[column]))
	query.where(table.name.isin([before.name for before, _after in changed])).run()


def state_from(row: dict[str, Any]) -> ConversationState:
	values = {field: row.get(field) for field in FIELDS}
	for field in _DATETIMES:
		values[field] = get_datetime(values[field]) if values[field] else None
	values["unread_count"] = int(values["unread_count"] or 0)
	return ConversationState(**values)


def insert(state: ConversationState) -> str | None:
	"""Store a new conversation; None when its key is taken (a racing worker created it)."""
	doc = frappe.get_doc({"doctype": CONVERSATION, **_columns(state)})
	doc.name = frappe.generate_hash(length=10)
	return doc.name if insert_once(doc) else None


def _update(before: ConversationState, after: ConversationState) -> None:
	changed = {
		field: getattr(after, field) for field in FIELDS if getattr(after, field) != getattr(before, field)
	}
	changed.pop("name", None)
	if changed:
		frappe.db.set_value(CONVERSATION, before.name, changed)


def _columns(state: ConversationState) -> dict[str, Any]:
	values = {field: getattr(state, field) for field in FIELDS if field != "name"}
	return {field: value for field, value in values.items() if value is not None}


class FrappeConversationRepository:
	"""`ConversationRepository` of `services/conversations.py` on the site's database."""

	def get(self, name: str, *, lock: bool = False) -> ConversationState:
		return get(name, lock=lock)

	def save(self, before: ConversationState, after: ConversationState) -> None:
		save(before, after)
