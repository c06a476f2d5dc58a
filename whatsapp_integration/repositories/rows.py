"""Row-level helpers the Frappe stores share: the standard columns of a bulk-inserted row, and an
insert that the database's unique keys decide."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import frappe
from frappe.model.document import Document
from frappe.utils import now_datetime

DOC_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "docstatus")


def doc_values(name: str | None = None, at: datetime | None = None) -> tuple:
	"""The values of `DOC_FIELDS` for a new row: `name` (a new hash when None), created at `at`."""
	at = at or now_datetime()
	user = frappe.session.user if getattr(frappe.local, "session", None) else "Administrator"
	return (name or frappe.generate_hash(length=10), at, at, user, user, 0)


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
	"""`items` in lists of at most `size` (one query each)."""
	for start in range(0, len(items), size):
		yield items[start : start + size]


def insert_once(doc: Document) -> bool:
	"""Insert `doc` as given (`db_insert`: no validation, stored verbatim); False when a unique key
	(its name, a wamid) is already taken, also by a racing worker (the database decides). The
	transaction stays open: the caller commits."""
	frappe.db.savepoint("whatsapp_insert_once")
	try:
		doc.db_insert()
	except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
		frappe.db.rollback(save_point="whatsapp_insert_once")
		frappe.clear_messages()
		return False
	return True
