"""Who may see a WhatsApp Conversation and the messages in it: the one access rule.

A WhatsApp Manager or System Manager sees every conversation. A WhatsApp User sees those
assigned to them and those whose linked Contact, Customer, Lead or Supplier they may read, and
the messages in them, plus the messages they sent themselves. The same rule answers the list
queries (`permission_query_conditions`), single documents (`has_permission`), the chat API and
realtime events (`can_access`, `users_with_access`) and the document timelines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import frappe
from frappe.model.document import Document

from whatsapp_integration.repositories.contact_numbers import PARTY_PREFERENCE
from whatsapp_integration.site.doctypes import CONVERSATION
from whatsapp_integration.site.roles import MANAGERS, SENDERS, USER, has_any_role

_ACCESS_FIELDS = ("name", "assigned_to", "contact", "party_doctype", "party_name")
_CONVERSATIONS = f"`tab{CONVERSATION}`"
_MESSAGES = "`tabWhatsApp Message Log`"
MAX_NAMED = 1000


def is_manager(user: str | None = None) -> bool:
	"""Sees every conversation and message."""
	user = user or frappe.session.user
	return user == "Administrator" or has_any_role(MANAGERS, user)


def can_access(conversation: str | Mapping[str, Any] | Document, user: str | None = None) -> bool:
	"""True when `user` (default: the session user) may see `conversation` (a name or its row)."""
	user = user or frappe.session.user
	if is_manager(user):
		return True
	if not has_any_role((USER,), user):
		return False
	row = _row(conversation)
	if not row:
		return False
	if row.get("assigned_to") == user:
		return True
	links = [("Contact", row.get("contact")), (row.get("party_doctype"), row.get("party_name"))]
	return any(_may_read(doctype, name, user) for doctype, name in links if doctype and name)


def users_with_access(conversation: str) -> list[str]:
	"""The enabled users who may see `conversation`: whom to send its realtime events."""
	row = _row(conversation)
	if not row:
		return []
	candidates = frappe.get_all(
		"Has Role",
		filters={"role": ("in", SENDERS), "parenttype": "User"},
		pluck="parent",
		distinct=True,
	)
	enabled = set(frappe.get_all("User", filters={"name": ("in", candidates), "enabled": 1}, pluck="name"))
	return sorted(user for user in enabled | {"Administrator"} if can_access(row, user))


def conversation_conditions(user: str | None = None) -> str:
	"""`permission_query_conditions` of WhatsApp Conversation."""
	user = user or frappe.session.user
	if is_manager(user):
		return ""
	if not has_any_role((USER,), user):
		return "1=0"
	return _visible_conversations(user)


def conversation_permission(doc: Document, ptype: str | None = None, user: str | None = None) -> bool:
	"""`has_permission` of WhatsApp Conversation."""
	return can_access(doc, user)


def message_conditions(user: str | None = None) -> str:
	"""`permission_query_conditions` of WhatsApp Message Log: a WhatsApp User's own messages and
	every message of the conversations they may see."""
	user = user or frappe.session.user
	if is_manager(user):
		return ""
	own = f"{_MESSAGES}.owner = {frappe.db.escape(user)}"
	if not has_any_role((USER,), user):
		return own
	visible = f"select {_CONVERSATIONS}.name from {_CONVERSATIONS} where {_visible_conversations(user)}"
	return f"({own} or {_MESSAGES}.conversation in ({visible}))"


def message_permission(doc: Document, ptype: str | None = None, user: str | None = None) -> bool:
	"""`has_permission` of WhatsApp Message Log."""
	user = user or frappe.session.user
	if is_manager(user) or doc.get("owner") == user:
		return True
	conversation = doc.get("conversation")
	return bool(conversation) and can_access(conversation, user)


def _visible_conversations(user: str) -> str:
	"""SQL condition on the WhatsApp Conversation rows a WhatsApp User may see. Only assigned ones:
	the assignee index answers it. Also through Contacts or parties: the conversations are looked
	up first, each way with its own index, and named (up to `MAX_NAMED`), because MariaDB answers
	the `OR` of the ways by walking the list's time index past every conversation they may not
	see (100,000 conversations, 50 visible: 3.7 ms named vs 104 ms with the `OR`)."""
	ways = [f"{_CONVERSATIONS}.assigned_to = {frappe.db.escape(user)}"]
	contacts = _readable_names("Contact", user)
	if contacts:
		ways.append(f"{_CONVERSATIONS}.contact in ({contacts})")
	for party in PARTY_PREFERENCE:
		names = _readable_names(party, user)
		if names:
			ways.append(
				f"({_CONVERSATIONS}.party_doctype = {frappe.db.escape(party)} "
				f"and {_CONVERSATIONS}.party_name in ({names}))"
			)
	if len(ways) == 1:
		return ways[0]
	union = " union ".join(f"select {_CONVERSATIONS}.name from {_CONVERSATIONS} where {way}" for way in ways)
	visible = frappe.db.sql(f"{union} limit {MAX_NAMED + 1}", pluck=True)
	if len(visible) > MAX_NAMED:
		return "(" + " or ".join(ways) + ")"
	named = ", ".join(frappe.db.escape(name) for name in visible)
	return f"{_CONVERSATIONS}.name in ({named})" if named else "1=0"


def _readable_names(doctype: str, user: str) -> str | None:
	"""A subquery of the `doctype` names `user` may read (None: none, or no such DocType here)."""
	if not frappe.db.exists("DocType", doctype) or not frappe.has_permission(doctype, "read", user=user):
		return None
	return frappe.get_list(doctype, fields=["name"], user=user, distinct=True, run=False)


def _may_read(doctype: str, name: str, user: str) -> bool:
	if doctype != "Contact" and doctype not in PARTY_PREFERENCE:
		return False
	if not frappe.db.exists("DocType", doctype) or not frappe.db.exists(doctype, name):
		return False
	return bool(frappe.has_permission(doctype, "read", doc=name, user=user))


def _row(conversation: str | Mapping[str, Any] | Document) -> Mapping[str, Any] | None:
	if isinstance(conversation, str):
		return frappe.db.get_value(CONVERSATION, conversation, list(_ACCESS_FIELDS), as_dict=True)
	return conversation
