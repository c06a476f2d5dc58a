"""Message Log rows of campaign sends, written in one batch by the Message Log store
(`message_log.insert_many`). When WhatsApp returned a wamid twice (`1062 Duplicate entry ... for
key 'wamid'`), the odd row is kept without it and with the reason, and its recipient says why.
"""

from __future__ import annotations

import dataclasses

import frappe

from whatsapp_integration.core.campaign.records import duplicate_wamid_reason
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories import message_log
from whatsapp_integration.site.doctypes import MESSAGE_LOG


def insert_logs(logs: list[tuple[str, MessageRecord]]) -> None:
	message_log.insert_many(logs, _refused)


def _refused(name: str, record: MessageRecord, error: Exception) -> MessageRecord | None:
	"""A duplicate wamid is dropped from the row and the row and its recipient say why. A row that
	cannot be stored at all leaves its recipient unlinked, with the reason."""
	if record.wamid and frappe.db.exists(MESSAGE_LOG, {"wamid": record.wamid}):
		note = duplicate_wamid_reason(record.wamid)
		_note_recipient(name, note, name)
		return dataclasses.replace(record, wamid=None, error_reason=note)
	_note_recipient(name, f"The Message Log row of this send could not be stored: {error}", None)
	return None


def _note_recipient(log_name: str, reason: str, link: str | None) -> None:
	frappe.db.sql(
		"""update `tabWhatsApp Campaign Recipient` set last_error = %s, message_log = %s
		where message_log = %s""",
		(reason, link, log_name),
	)
