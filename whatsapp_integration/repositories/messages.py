"""`MessageRepository` on the site's database (WhatsApp Message Log, Device, Opt Out)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import frappe
from frappe.utils import get_datetime
from frappe.utils.password import get_decrypted_password

from whatsapp_integration.core.errors import DeviceNotFound, DuplicateKey
from whatsapp_integration.core.records import MessageRecord, SendOutcome, StatusEvent
from whatsapp_integration.core.status import timestamp_field
from whatsapp_integration.core.vocabulary import Direction, MessageStatus
from whatsapp_integration.senders.factory import DeviceProfile

LOG = "WhatsApp Message Log"
EVENT = "WhatsApp Message Status Event"
DEVICE = "WhatsApp Device"
OPT_OUT = "WhatsApp Opt Out"

_SCALAR_FIELDS = (
	"direction",
	"device",
	"to_number",
	"from_number",
	"message_type",
	"text",
	"template_name",
	"template_language",
	"media_link",
	"media_caption",
	"media_filename",
	"status",
	"wamid",
	"idempotency_key",
	"callback_data",
	"error_code",
	"error_title",
	"error_reason",
	"error_action",
	"attempts",
	"next_attempt_at",
	"reference_doctype",
	"reference_name",
	"requested_by",
	"sent_at",
	"delivered_at",
	"read_at",
)
_DEVICE_FIELDS = ("name", "mode", "phone_number_id", "waba_id", "phone_number", "enabled", "daily_cap")


class FrappeMessageRepository:
	"""With `commit=True` (the default) each write is committed at once: the outbox row must be
	durable and visible to other workers before the message goes out, as Email Queue does."""

	def __init__(self, commit: bool = True) -> None:
		self._commit = commit

	def get_device(self, name: str | None) -> DeviceProfile:
		wanted = name or frappe.db.get_value(DEVICE, {"is_default": 1, "enabled": 1}, "name")
		if not wanted:
			raise DeviceNotFound(
				"No default WhatsApp Device is set. Open a WhatsApp Device and tick Default device."
			)
		row = frappe.db.get_value(DEVICE, wanted, _DEVICE_FIELDS, as_dict=True)
		if not row:
			raise DeviceNotFound(f"WhatsApp Device {wanted!r} does not exist.")
		token = get_decrypted_password(DEVICE, row.name, "access_token", raise_exception=False)
		return DeviceProfile(
			name=row.name,
			mode=row.mode,
			phone_number_id=row.phone_number_id,
			waba_id=row.waba_id,
			access_token=token or None,
			phone_number=row.phone_number,
			enabled=bool(row.enabled),
			daily_cap=int(row.daily_cap or 0),
		)

	def insert_message(self, record: MessageRecord) -> MessageRecord:
		doc = frappe.get_doc(_doc_values(record))
		try:
			doc.insert(ignore_permissions=True)
		except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
			frappe.db.rollback()
			raise DuplicateKey(f"Idempotency key {record.idempotency_key!r} or wamid is already logged.")
		self._maybe_commit()
		return _record_from(doc.as_dict())

	def get_message(self, name: str) -> MessageRecord:
		if not frappe.db.exists(LOG, name):
			raise LookupError(f"WhatsApp Message Log {name!r} does not exist.")
		return _record_from(frappe.get_doc(LOG, name).as_dict())

	def find_by_idempotency_key(self, key: str) -> MessageRecord | None:
		# A locking read sees rows committed after this transaction began (a racing insert).
		name = frappe.db.get_value(LOG, {"idempotency_key": key}, "name", for_update=True)
		return self.get_message(name) if name else None

	def find_by_wamid(self, wamid: str) -> MessageRecord | None:
		name = frappe.db.get_value(LOG, {"wamid": wamid}, "name", for_update=True)
		return self.get_message(name) if name else None

	def save_outcome(self, name: str, outcome: SendOutcome) -> None:
		if outcome.wamid and frappe.db.exists(LOG, {"wamid": outcome.wamid, "name": ("!=", name)}):
			raise DuplicateKey(f"WhatsApp message id {outcome.wamid!r} is already logged.")
		frappe.db.set_value(LOG, name, _outcome_values(outcome))
		_insert_event(name, StatusEvent(outcome.status, outcome.at, outcome.error_code, outcome.error_title))
		self._maybe_commit()

	def claim_due_retries(self, now: datetime, lease_until: datetime, limit: int) -> list[MessageRecord]:
		# Query builder, not get_all: get_all wraps the filter in ifnull(), which would take rows
		# that have no next attempt at all.
		log = frappe.qb.DocType(LOG)
		query = (
			frappe.qb.from_(log)
			.select(log.name)
			.where((log.status == MessageStatus.QUEUED) & (log.next_attempt_at <= now))
			.orderby(log.next_attempt_at)
			.limit(limit)
		)
		candidates = query.run(pluck=True)
		claimed = [name for name in candidates if _lease(name, now, lease_until)]
		self._maybe_commit()
		return [self.get_message(name) for name in claimed]

	def count_outbound_since(self, device: str, since: datetime) -> int:
		filters = {
			"device": device,
			"direction": Direction.OUTBOUND,
			"status": ("!=", MessageStatus.FAILED),
			"creation": (">=", since),
		}
		return frappe.db.count(LOG, filters)

	def is_opted_out(self, number: str) -> bool:
		return bool(frappe.db.exists(OPT_OUT, number))

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		if frappe.db.exists(OPT_OUT, number):
			return
		doc = frappe.get_doc({"doctype": OPT_OUT, "number": number, "reason": reason, "source": source})
		try:
			doc.insert(ignore_permissions=True)
		except frappe.DuplicateEntryError:
			return
		self._maybe_commit()

	def remove_opt_out(self, number: str) -> None:
		if frappe.db.exists(OPT_OUT, number):
			frappe.delete_doc(OPT_OUT, number, ignore_permissions=True, force=True)
			self._maybe_commit()

	def _maybe_commit(self) -> None:
		if self._commit:
			frappe.db.commit()  # nosemgrep: the outbox row must be durable before the send


def _lease(name: str, now: datetime, lease_until: datetime) -> bool:
	"""Conditional update: only one worker moves a due row's next attempt forward."""
	frappe.db.sql(
		"""update `tabWhatsApp Message Log` set next_attempt_at = %s
		where name = %s and status = %s and next_attempt_at <= %s""",
		(lease_until, name, MessageStatus.QUEUED, now),
	)
	return frappe.db._cursor.rowcount == 1


def _doc_values(record: MessageRecord) -> dict[str, Any]:
	values = {fieldname: getattr(record, fieldname) for fieldname in _SCALAR_FIELDS}
	values["template_params"] = json.dumps(record.template_params) if record.template_params else None
	values["status_events"] = [_event_values(event) for event in record.events]
	return {"doctype": LOG, **values}


def _event_values(event: StatusEvent) -> dict[str, Any]:
	return {
		"status": event.status,
		"at": event.at,
		"error_code": event.error_code,
		"error_title": event.error_title,
	}


def _outcome_values(outcome: SendOutcome) -> dict[str, Any]:
	values: dict[str, Any] = {
		"status": outcome.status,
		"attempts": outcome.attempts,
		"next_attempt_at": outcome.next_attempt_at,
		"error_code": outcome.error_code or 0,  # an Int column: 0 means none
		"error_title": outcome.error_title,
		"error_reason": outcome.error_reason,
		"error_action": outcome.error_action,
	}
	if outcome.wamid:
		values["wamid"] = outcome.wamid
	stamped = timestamp_field(outcome.status)
	if stamped:
		values[stamped] = outcome.at
	return values


def _insert_event(parent: str, event: StatusEvent) -> None:
	idx = frappe.db.count(EVENT, {"parent": parent, "parenttype": LOG}) + 1
	row = frappe.get_doc(
		{"doctype": EVENT, "parent": parent, "parenttype": LOG, "parentfield": "status_events", "idx": idx}
	)
	row.update(_event_values(event))
	row.db_insert()


def _record_from(values: dict[str, Any]) -> MessageRecord:
	record = MessageRecord(**{fieldname: values.get(fieldname) or None for fieldname in _SCALAR_FIELDS})
	record.direction = record.direction or Direction.OUTBOUND
	record.status = record.status or MessageStatus.QUEUED
	record.attempts = int(record.attempts or 0)
	record.error_code = int(record.error_code) if record.error_code else None
	params = values.get("template_params")
	record.template_params = json.loads(params) if isinstance(params, str) and params else list(params or [])
	record.events = [_event_from(row) for row in sorted(values.get("status_events") or [], key=_idx)]
	for fieldname in ("next_attempt_at", "sent_at", "delivered_at", "read_at"):
		setattr(record, fieldname, _datetime(getattr(record, fieldname)))
	record.created_at = _datetime(values.get("creation"))
	record.name = values.get("name")
	return record


def _datetime(value: datetime | str | None) -> datetime | None:
	"""Fresh documents hold datetimes as strings; rows read back hold datetime objects."""
	return get_datetime(value) if value else None


def _idx(row: dict[str, Any]) -> int:
	return int(row.get("idx") or 0)


def _event_from(row: dict[str, Any]) -> StatusEvent:
	code = row.get("error_code")
	return StatusEvent(
		row.get("status"), _datetime(row.get("at")), int(code) if code else None, row.get("error_title")
	)
