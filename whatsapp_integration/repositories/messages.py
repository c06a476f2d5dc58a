"""`MessageRepository` on the site's database: devices and retry claims here; Message Log rows are
written by `message_log`, opt-outs kept by `opt_outs`."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.utils.password import get_decrypted_password

from whatsapp_integration.core.errors import DeviceNotFound
from whatsapp_integration.core.records import MessageRecord, SendOutcome
from whatsapp_integration.core.vocabulary import Direction, MessageStatus
from whatsapp_integration.repositories import message_log, opt_outs
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.site.doctypes import DEVICE, MESSAGE_LOG

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
				frappe._("No default WhatsApp Device is set. Open a WhatsApp Device and tick Default device.")
			)
		row = frappe.db.get_value(DEVICE, wanted, _DEVICE_FIELDS, as_dict=True)
		if not row:
			raise DeviceNotFound(frappe._("WhatsApp Device {0} does not exist.").format(repr(wanted)))
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
		stored = message_log.insert_one(record)
		self._maybe_commit()
		return stored

	def get_message(self, name: str) -> MessageRecord:
		if not frappe.db.exists(MESSAGE_LOG, name):
			raise LookupError(frappe._("WhatsApp Message Log {0} does not exist.").format(repr(name)))
		values = frappe.get_doc(MESSAGE_LOG, name).as_dict()
		return message_log.record_from(values, values.get("status_events") or [])

	def find_by_idempotency_key(self, key: str) -> MessageRecord | None:
		# A locking read sees rows committed after this transaction began (a racing insert).
		name = frappe.db.get_value(MESSAGE_LOG, {"idempotency_key": key}, "name", for_update=True)
		return self.get_message(name) if name else None

	def find_by_wamid(self, wamid: str) -> MessageRecord | None:
		name = frappe.db.get_value(MESSAGE_LOG, {"wamid": wamid}, "name", for_update=True)
		return self.get_message(name) if name else None

	def save_outcome(self, name: str, outcome: SendOutcome) -> None:
		message_log.save_outcome(name, outcome)
		self._maybe_commit()

	def claim_due_retries(self, now: datetime, lease_until: datetime, limit: int) -> list[MessageRecord]:
		# Query builder, not get_all: get_all wraps the filter in ifnull(), which would take rows
		# that have no next attempt at all.
		log = frappe.qb.DocType(MESSAGE_LOG)
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
		return frappe.db.count(MESSAGE_LOG, filters)

	def last_inbound_at(self, device: str, number: str) -> datetime | None:
		return message_log.last_inbound_at(device, number)

	def is_opted_out(self, number: str) -> bool:
		return opt_outs.is_opted_out(number)

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		opt_outs.add(number, reason, source)
		self._maybe_commit()

	def remove_opt_out(self, number: str) -> None:
		opt_outs.remove(number)
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
