"""The one writer of WhatsApp Message Log rows and their WhatsApp Message Status Events.

Every row goes through one mapping (`columns`: a record's fields -> the row's columns) and every
status event through one insert (`insert_events`), whichever way the row is written:

- `insert_one`: an outbox row of a single send (`doc.insert`: the DocType's `doc_events` fire);
- `insert_many`: a campaign batch (multi-row SQL inserts, fast);
- `insert_inbound`: a customer's message (`db_insert`: stored verbatim, its text is no HTML);
- `save_outcome` / `save_changes`: a send attempt's outcome, a webhook's status event.

Every new row also updates (or starts) its customer's WhatsApp Conversation in the same
transaction (`conversations.record`, the one Conversation writer) and carries its name.

Each write announces its message event (`site/message_events.py`: the `whatsapp_message_events`
hook of other apps) for after the transaction commits.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import frappe
from frappe.query_builder.functions import Max
from frappe.utils import get_datetime, now_datetime

from whatsapp_integration.core.conversation import seen_inbound, seen_outbound
from whatsapp_integration.core.errors import DuplicateKey
from whatsapp_integration.core.records import MessageRecord, SendOutcome, StatusEvent
from whatsapp_integration.core.status import timestamp_field
from whatsapp_integration.core.vocabulary import Direction, MessageStatus
from whatsapp_integration.core.window import latest_inbound
from whatsapp_integration.repositories import conversations
from whatsapp_integration.repositories.rows import DOC_FIELDS, doc_values, insert_once
from whatsapp_integration.site.doctypes import MESSAGE_LOG, STATUS_EVENT
from whatsapp_integration.site.message_events import ROW_FIELDS, announce, message_event

if TYPE_CHECKING:
	from whatsapp_integration.core.webhook_records import InboundRecord

_JSON_FIELDS = ("template_params", "rich_content")
RECORD_FIELDS = tuple(
	field.name
	for field in dataclasses.fields(MessageRecord)
	if field.name not in (*_JSON_FIELDS, "created_at", "events", "name")
)
"""The Message Log columns a `MessageRecord` reads back from (its scalar fields)."""
_INBOUND_FIELDS = (
	"received_at",
	"from_user_id",
	"profile_name",
	"media_id",
	"media_mime_type",
	"media_sha256",
	"media_status",
	"reply_to_wamid",
	"reply_id",
	"reply_title",
	"reaction_to_wamid",
	"reaction_emoji",
	"location_latitude",
	"location_longitude",
	"location_name",
	"location_address",
	"shared_contacts",
)
_COLUMNS = frozenset((*RECORD_FIELDS, *_JSON_FIELDS, *_INBOUND_FIELDS))
_EVENT_FIELDS = (
	*DOC_FIELDS,
	"parent",
	"parenttype",
	"parentfield",
	"idx",
	"status",
	"at",
	"error_code",
	"error_title",
)
_CHUNK = 1000
# What a refused row of a batch becomes: a replacement to store, or None to drop it.
Refusal = Callable[[str, MessageRecord, Exception], MessageRecord | None]


def columns(record: MessageRecord | InboundRecord) -> dict[str, Any]:
	"""The one row mapping: the Message Log columns of `record`."""
	values = {
		field.name: getattr(record, field.name)
		for field in dataclasses.fields(record)
		if field.name in _COLUMNS
	}
	for json_column in _JSON_FIELDS:
		if json_column in values:
			values[json_column] = json.dumps(values[json_column]) if values[json_column] else None
	for int_column in ("error_code", "error_subcode"):  # Int columns: 0 means none
		values[int_column] = values.get(int_column) or 0
	return values


def insert_one(record: MessageRecord) -> MessageRecord:
	"""Insert an outbox row with its events; raises `DuplicateKey` when its idempotency key or
	wamid is taken (the transaction is rolled back). Returns the row as stored."""
	record.conversation = conversations.record(seen_outbound(record, record.created_at or now_datetime()))
	doc = frappe.get_doc({"doctype": MESSAGE_LOG, **columns(record)})
	try:
		doc.insert(ignore_permissions=True)
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		frappe.db.rollback()
		raise DuplicateKey(f"Idempotency key {record.idempotency_key!r} or wamid is already logged.")
	insert_events((doc.name, idx, event) for idx, event in enumerate(record.events, start=1))
	values = doc.as_dict()
	announce([message_event("outbound", values)])
	stored = record_from(values, [])
	stored.events = list(record.events)
	return stored


def insert_many(logs: list[tuple[str, MessageRecord]], refused: Refusal) -> list[tuple[str, MessageRecord]]:
	"""Insert a batch of outbound rows (named) with their events at once. When the database
	refuses a row (a duplicate key), the rows go in one by one so the odd row never holds back
	the others, and `refused` says what becomes of it. Returns the rows stored."""
	if not logs:
		return []
	now = now_datetime()
	names = conversations.record_many([seen_outbound(record, record.created_at or now) for _, record in logs])
	for (_name, record), conversation in zip(logs, names, strict=True):
		record.conversation = conversation
	stored = _store_rows(logs, refused)
	insert_events((name, idx, event) for name, record in stored for idx, event in enumerate(record.events, 1))
	announce([message_event("outbound", {**columns(record), "name": name}) for name, record in stored])
	return stored


def insert_inbound(record: InboundRecord) -> bool:
	"""Insert and commit a customer's message; False when its wamid is already logged."""
	values = {"direction": Direction.INBOUND, "status": MessageStatus.RECEIVED, **columns(record)}
	contact = record.contact
	values.update(
		contact=contact.contact if contact else None,
		party_type=contact.party_type if contact else None,
		party=contact.party if contact else None,
	)
	doc = frappe.get_doc({"doctype": MESSAGE_LOG, **values})
	inserted = insert_once(doc)
	if inserted:
		values["conversation"] = conversations.record(seen_inbound(record))
		frappe.db.set_value(
			MESSAGE_LOG, doc.name, "conversation", values["conversation"], update_modified=False
		)
		announce([message_event("inbound", {**values, "name": doc.name})])
	frappe.db.commit()  # either way: the next read sees what other workers committed
	return inserted


def save_outcome(name: str, outcome: SendOutcome) -> None:
	"""Apply a delivery attempt to row `name`: status, ids, error fields, and one status event."""
	if outcome.wamid and frappe.db.exists(MESSAGE_LOG, {"wamid": outcome.wamid, "name": ("!=", name)}):
		raise DuplicateKey(f"WhatsApp message id {outcome.wamid!r} is already logged.")
	values: dict[str, Any] = {
		"status": outcome.status,
		"attempts": outcome.attempts,
		"next_attempt_at": outcome.next_attempt_at,
		"error_code": outcome.error_code or 0,
		"error_title": outcome.error_title,
		"error_reason": outcome.error_reason,
		"error_action": outcome.error_action,
		"error_subcode": outcome.error_subcode or 0,
		"fbtrace_id": outcome.fbtrace_id,
		"error_is_transient": int(outcome.error_is_transient),
	}
	if outcome.wamid:
		values["wamid"] = outcome.wamid
	stamped = timestamp_field(outcome.status)
	if stamped:
		values[stamped] = outcome.at
	event = StatusEvent(outcome.status, outcome.at, outcome.error_code, outcome.error_title)
	_save(name, values, [event], update_modified=True)


def save_changes(name: str, changed: dict[str, Any], events: list[StatusEvent], first_idx: int) -> None:
	"""Apply a status event's changes to row `name` (columns `changed`, new `events` numbered from
	`first_idx`); an open Message Log form reloads itself."""
	changed = {**changed, "modified": now_datetime()}
	_save(name, changed, events, update_modified=False, first_idx=first_idx)
	_notify_form(name, changed["modified"])


def save_media(name: str, values: dict[str, Any]) -> None:
	"""Apply an inbound media download's outcome (`media_*` columns) to row `name`; an open
	Message Log form reloads itself."""
	modified = now_datetime()
	frappe.db.set_value(MESSAGE_LOG, name, {**values, "modified": modified}, update_modified=False)
	_notify_form(name, modified)


def _notify_form(name: str, modified: datetime) -> None:
	frappe.publish_realtime(  # what Document.notify_update sends
		"doc_update",
		{"modified": str(modified), "doctype": MESSAGE_LOG, "name": name},
		doctype=MESSAGE_LOG,
		docname=name,
		after_commit=True,
	)


def insert_events(rows: Iterable[tuple[str, int, StatusEvent]]) -> None:
	"""The one status-event insert: (Message Log row, idx, event) rows in multi-row inserts."""
	values = [
		(*doc_values(), parent, MESSAGE_LOG, "status_events", idx, *_event_columns(event))
		for parent, idx, event in rows
	]
	if values:
		frappe.db.bulk_insert(STATUS_EVENT, _EVENT_FIELDS, values, chunk_size=_CHUNK)


def last_inbound_at(device: str, number: str) -> datetime | None:
	"""When `number` last wrote to `device`, under that number or a BSUID one of its messages
	carried (`core.window.latest_inbound`). Two index-only reads (see `on_doctype_update`)."""
	log = frappe.qb.DocType(MESSAGE_LOG)
	mine = (log.device == device) & (log.direction == Direction.INBOUND)
	by_number = frappe.qb.from_(log).select(Max(log.received_at)).where(mine & (log.from_number == number))
	bsuids = (
		frappe.qb.from_(log)
		.select(log.from_user_id)
		.distinct()
		.where(mine & (log.from_number == number) & log.from_user_id.isnotnull() & (log.from_user_id != ""))
		.run(pluck=True)
	)
	moments = [by_number.run()[0][0]]
	if bsuids:
		by_bsuid = (
			frappe.qb.from_(log).select(Max(log.received_at)).where(mine & log.from_user_id.isin(bsuids))
		)
		moments.append(by_bsuid.run()[0][0])
	return latest_inbound(_datetime(moment) for moment in moments)


def record_from(values: dict[str, Any], events: list[dict[str, Any]]) -> MessageRecord:
	"""The `MessageRecord` of a stored row (`values`) and its status event rows."""
	record = MessageRecord(**{fieldname: values.get(fieldname) or None for fieldname in RECORD_FIELDS})
	record.direction = record.direction or Direction.OUTBOUND
	record.status = record.status or MessageStatus.QUEUED
	record.attempts = int(record.attempts or 0)
	record.error_code = int(record.error_code) if record.error_code else None
	record.error_subcode = int(record.error_subcode) if record.error_subcode else None
	record.error_is_transient = bool(record.error_is_transient)
	params = values.get("template_params")
	record.template_params = json.loads(params) if isinstance(params, str) and params else list(params or [])
	content = values.get("rich_content")
	record.rich_content = json.loads(content) if isinstance(content, str) and content else content or None
	record.events = [_event_from(row) for row in sorted(events, key=lambda row: int(row.get("idx") or 0))]
	for fieldname in ("next_attempt_at", "sent_at", "delivered_at", "read_at"):
		setattr(record, fieldname, _datetime(getattr(record, fieldname)))
	record.created_at = _datetime(values.get("creation"))
	record.name = values.get("name")
	return record


def _save(
	name: str, values: dict[str, Any], events: list[StatusEvent], update_modified: bool, first_idx: int = 0
) -> None:
	before = frappe.db.get_value(MESSAGE_LOG, name, list(ROW_FIELDS), as_dict=True) or {"name": name}
	frappe.db.set_value(MESSAGE_LOG, name, values, update_modified=update_modified)
	if not first_idx:
		first_idx = frappe.db.count(STATUS_EVENT, {"parent": name, "parenttype": MESSAGE_LOG}) + 1
	insert_events((name, idx, event) for idx, event in enumerate(events, start=first_idx))
	if "status" in values and values["status"] != before.get("status"):
		announce([message_event("status", {**before, **values}, previous_status=before.get("status"))])


def _store_rows(logs: list[tuple[str, MessageRecord]], refused: Refusal) -> list[tuple[str, MessageRecord]]:
	try:
		_bulk_insert(logs)
		return logs
	except Exception as error:
		if not frappe.db.is_duplicate_entry(error):
			raise
	return [stored for name, record in logs if (stored := _store_row(name, record, refused))]


def _store_row(name: str, record: MessageRecord, refused: Refusal) -> tuple[str, MessageRecord] | None:
	try:
		_bulk_insert([(name, record)])
		return name, record
	except Exception as error:
		if not frappe.db.is_duplicate_entry(error):
			raise
		replacement = refused(name, record, error)
	if replacement is None:
		return None
	_bulk_insert([(name, replacement)])
	return name, replacement


def _bulk_insert(logs: list[tuple[str, MessageRecord]]) -> None:
	rows = [(name, record.created_at, columns(record)) for name, record in logs]
	fields = tuple(rows[0][2])
	values = [(*doc_values(name, at), *row.values()) for name, at, row in rows]
	frappe.db.bulk_insert(MESSAGE_LOG, (*DOC_FIELDS, *fields), values, chunk_size=_CHUNK)


def _event_columns(event: StatusEvent) -> tuple:
	return (event.status, event.at, event.error_code or 0, event.error_title)


def _datetime(value: datetime | str | None) -> datetime | None:
	"""Fresh documents hold datetimes as strings; rows read back hold datetime objects."""
	return get_datetime(value) if value else None


def _event_from(row: dict[str, Any]) -> StatusEvent:
	code = row.get("error_code")
	return StatusEvent(
		row.get("status"), _datetime(row.get("at")), int(code) if code else None, row.get("error_title")
	)
