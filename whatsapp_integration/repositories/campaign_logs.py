"""Message Log rows of campaign sends, written in bulk with their status events.

One multi-row insert per batch; when the database refuses a row (WhatsApp returned a wamid
twice: `1062 Duplicate entry ... for key 'wamid'`), the rows go in one by one so the odd
row never holds back the others, and it is kept with the reason.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import frappe
from frappe.utils import now_datetime

from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories.messages import _SCALAR_FIELDS as MESSAGE_LOG_FIELDS
from whatsapp_integration.services.campaign_repository import duplicate_wamid_reason

LOG = "WhatsApp Message Log"
EVENT = "WhatsApp Message Status Event"
# The Message Log columns a campaign send fills: the message repository's, plus the parameters.
_LOG_FIELDS = (*MESSAGE_LOG_FIELDS, "template_params")
DOC_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "docstatus")
_CHUNK = 1000


def insert_logs(logs: list[tuple[str, MessageRecord]]) -> None:
	if not logs:
		return
	event_values = []
	for name, record in _store_logs(logs):
		for index, event in enumerate(record.events, start=1):
			event_values.append(
				(
					*doc_values(),
					name,
					LOG,
					"status_events",
					index,
					event.status,
					event.at,
					event.error_code or 0,
					event.error_title,
				)
			)
	event_fields = (*DOC_FIELDS, "parent", "parenttype", "parentfield", "idx", "status", "at")
	frappe.db.bulk_insert(
		EVENT, (*event_fields, "error_code", "error_title"), event_values, chunk_size=_CHUNK
	)


def _store_logs(logs: list[tuple[str, MessageRecord]]) -> list[tuple[str, MessageRecord]]:
	"""Insert the batch's Message Log rows at once; when the database refuses one (WhatsApp
	returned a wamid twice), row by row, so one odd row never holds back the others."""
	try:
		_bulk_insert_logs(logs)
		return logs
	except Exception as error:
		if not frappe.db.is_duplicate_entry(error):
			raise
	return [stored for name, record in logs if (stored := _store_log(name, record))]


def _store_log(name: str, record: MessageRecord) -> tuple[str, MessageRecord] | None:
	"""One log row; a duplicate wamid is dropped from it and the row and its recipient say why.
	A row that cannot be stored at all leaves its recipient unlinked, with the reason."""
	try:
		_bulk_insert_logs([(name, record)])
		return name, record
	except Exception as error:
		if not frappe.db.is_duplicate_entry(error):
			raise
		refusal = str(error)
	if record.wamid and frappe.db.exists(LOG, {"wamid": record.wamid}):
		note = duplicate_wamid_reason(record.wamid)
		kept = dataclasses.replace(record, wamid=None, error_reason=note)
		_bulk_insert_logs([(name, kept)])
		_note_recipient(name, note, name)
		return name, kept
	_note_recipient(name, f"The Message Log row of this send could not be stored: {refusal}", None)
	return None


def _note_recipient(log_name: str, reason: str, link: str | None) -> None:
	frappe.db.sql(
		"""update `tabWhatsApp Campaign Recipient` set last_error = %s, message_log = %s
		where message_log = %s""",
		(reason, link, log_name),
	)


def _bulk_insert_logs(logs: list[tuple[str, MessageRecord]]) -> None:
	values = [
		(*doc_values(name, record.created_at), *(_log_value(record, field) for field in _LOG_FIELDS))
		for name, record in logs
	]
	frappe.db.bulk_insert(LOG, (*DOC_FIELDS, *_LOG_FIELDS), values, chunk_size=_CHUNK)


def _log_value(record: MessageRecord, field: str) -> Any:
	value = getattr(record, field)
	if field == "template_params":
		return json.dumps(value) if value else None
	if field == "error_code":
		return value or 0
	return value


def doc_values(name: str | None = None, at: datetime | None = None) -> tuple:
	at = at or now_datetime()
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	return (name or frappe.generate_hash(length=10), at, at, user, user, 0)
