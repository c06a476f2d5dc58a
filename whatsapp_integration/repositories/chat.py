"""`ChatRepository` on the site's database: WhatsApp Conversation rows and their Message Log rows.

The conversation list goes through `frappe.get_list`, so the access rule of the session user
(the Conversation's permission query conditions) decides which rows it holds. Thread reads are
by conversation: the API checks the reader may see the conversation before it asks for them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import frappe
from frappe.query_builder import Order
from frappe.utils import get_datetime

from whatsapp_integration.core.chat import Bubble, ConversationFilter, ConversationSummary, ThreadCursor
from whatsapp_integration.core.vocabulary import Direction
from whatsapp_integration.site.doctypes import CONVERSATION, DEVICE, MESSAGE_LOG

_SUMMARY_FIELDS = tuple(
	field for field in ConversationSummary.__dataclass_fields__ if field not in ("device_mode",)
)
_BUBBLE_COLUMNS = (
	"name",
	"direction",
	"status",
	"creation",
	*(
		field
		for field in Bubble.__dataclass_fields__
		if field not in ("name", "direction", "status", "created_at", "quoted", "reactions")
	),
)
_ORDER = "last_message_at desc, name desc"
LOCATION = "location"


class FrappeChatRepository:
	def list_conversations(self, wanted: ConversationFilter) -> list[ConversationSummary]:
		filters: dict[str, Any] = {}
		if wanted.unread_only:
			filters["unread_count"] = (">", 0)
		if wanted.assigned_to:
			filters["assigned_to"] = wanted.assigned_to
		if wanted.device:
			filters["device"] = wanted.device
		if wanted.linked_doctype == "Contact":
			filters["contact"] = wanted.linked_name
		elif wanted.linked_doctype:
			filters.update(party_doctype=wanted.linked_doctype, party_name=wanted.linked_name)
		or_filters = None
		if wanted.search:
			pattern = f"%{wanted.search}%"
			or_filters = {"title": ("like", pattern), "contact_number": ("like", pattern)}
		rows = frappe.get_list(
			CONVERSATION,
			filters=filters,
			or_filters=or_filters,
			fields=list(_SUMMARY_FIELDS),
			order_by=_ORDER,
			limit_start=wanted.start,
			limit_page_length=wanted.page_length + 1,
		)
		modes = _device_modes()
		return [_summary(row, modes) for row in rows]

	def get_conversation(self, name: str) -> ConversationSummary:
		row = frappe.db.get_value(CONVERSATION, name, list(_SUMMARY_FIELDS), as_dict=True)
		if not row:
			raise LookupError(frappe._("WhatsApp Conversation {0} does not exist.").format(repr(name)))
		return _summary(row, _device_modes())

	def thread(self, conversation: str, before: ThreadCursor | None, limit: int) -> list[Bubble]:
		log = frappe.qb.DocType(MESSAGE_LOG)
		query = _select(log).where(log.conversation == conversation)
		if before:
			query = query.where(
				(log.creation < before.created_at)
				| ((log.creation == before.created_at) & (log.name < before.name))
			)
		query = query.orderby(log.creation, order=Order.desc).orderby(log.name, order=Order.desc)
		return [_bubble(row) for row in query.limit(limit).run(as_dict=True)]

	def by_wamids(self, conversation: str, wamids: set[str]) -> list[Bubble]:
		log = frappe.qb.DocType(MESSAGE_LOG)
		query = _select(log).where((log.conversation == conversation) & log.wamid.isin(sorted(wamids)))
		return [_bubble(row) for row in query.run(as_dict=True)]

	def message(self, conversation: str, name: str) -> Bubble | None:
		log = frappe.qb.DocType(MESSAGE_LOG)
		rows = _select(log).where((log.conversation == conversation) & (log.name == name)).run(as_dict=True)
		return _bubble(rows[0]) if rows else None

	def latest_inbound_wamid(self, conversation: str) -> str | None:
		log = frappe.qb.DocType(MESSAGE_LOG)
		query = (
			frappe.qb.from_(log)
			.select(log.wamid)
			.where((log.conversation == conversation) & (log.direction == Direction.INBOUND))
			.orderby(log.creation, order=Order.desc)
			.orderby(log.name, order=Order.desc)
			.limit(1)
		)
		found = query.run(pluck=True)
		return found[0] if found else None


def _select(log: Any) -> Any:
	return frappe.qb.from_(log).select(*(log[column] for column in _BUBBLE_COLUMNS))


def _device_modes() -> dict[str, str]:
	"""Device name -> mode (a site has a handful of devices)."""
	return dict(frappe.get_all(DEVICE, fields=["name", "mode"], as_list=True))


def _summary(row: dict[str, Any], modes: dict[str, str]) -> ConversationSummary:
	summary = ConversationSummary(**{field: row.get(field) for field in _SUMMARY_FIELDS})
	summary.unread_count = int(summary.unread_count or 0)
	summary.device_mode = modes.get(summary.device or "")
	return summary


def _bubble(row: dict[str, Any]) -> Bubble:
	values = {column: row.get(column) for column in _BUBBLE_COLUMNS if column != "creation"}
	values["created_at"] = _datetime(row.get("creation"))
	values["shared_contacts"] = _contacts(row.get("shared_contacts"))
	for number in ("location_latitude", "location_longitude"):
		values[number] = float(values[number]) if values[number] not in (None, "") else None
	if values["message_type"] != LOCATION:  # Float columns hold 0 on every other row
		values["location_latitude"] = values["location_longitude"] = None
	return Bubble(**values)


def _contacts(value: Any) -> list[dict[str, Any]]:
	if isinstance(value, str) and value:
		try:
			value = json.loads(value)
		except ValueError:
			return []
	return [item for item in value or [] if isinstance(item, dict)]


def _datetime(value: datetime | str | None) -> datetime:
	return get_datetime(value)
