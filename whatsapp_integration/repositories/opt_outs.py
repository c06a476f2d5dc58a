"""The one opt-out store: WhatsApp Opt Out rows (who gets no message) and WhatsApp Preference rows
(when each number last chose Stop or Start, so choices apply in the order they were made).

Both are keyed by one normalisation (`key`): a phone number in E.164, or, for a WhatsApp user
known only by their business-scoped user id (BSUID), that id as Meta sent it. Writes leave the
transaction open: the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import frappe
from frappe.utils import get_datetime

from whatsapp_integration.core.errors import InvalidPhoneNumber
from whatsapp_integration.core.phone import normalize
from whatsapp_integration.repositories.rows import insert_once
from whatsapp_integration.site.doctypes import OPT_OUT, PREFERENCE
from whatsapp_integration.site.settings import get_config

_CHUNK = 1000


def key(number: str) -> str:
	"""`number` in E.164, or as given when it is no phone number (a BSUID)."""
	text = (number or "").strip()
	try:
		return normalize(text, get_config().default_country)
	except InvalidPhoneNumber:
		return text


def is_opted_out(number: str) -> bool:
	return bool(frappe.db.exists(OPT_OUT, key(number)))


def opted_out(numbers: Iterable[str]) -> set[str]:
	"""Those of `numbers` that opted out."""
	by_key: dict[str, list[str]] = {}
	for number in numbers:
		by_key.setdefault(key(number), []).append(number)
	keys = list(by_key)
	found: set[str] = set()
	for start in range(0, len(keys), _CHUNK):
		chunk = keys[start : start + _CHUNK]
		for name in frappe.get_all(OPT_OUT, filters={"name": ("in", chunk)}, pluck="name"):
			found.update(by_key[name])
	return found


def add(number: str, reason: str, source: str) -> None:
	"""Opt `number` out (nothing changes when it already is, also when a racing worker won)."""
	number = key(number)
	if frappe.db.exists(OPT_OUT, number):
		return
	doc = frappe.get_doc({"doctype": OPT_OUT, "number": number, "reason": reason, "source": source})
	doc.name = number
	insert_once(doc)


def remove(number: str) -> None:
	frappe.db.delete(OPT_OUT, {"name": key(number)})


def apply_preference(number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
	"""Record a Stop (`stop`) or Start choice `number` made at `at` and opt it out or in; False
	(nothing changes) when the number's last applied choice is as recent or newer. Commits."""
	number = key(number)
	last = frappe.db.get_value(PREFERENCE, number, "changed_at", for_update=True)
	if last and get_datetime(last) >= at:
		frappe.db.commit()
		return False
	choice = {"choice": "Stop" if stop else "Start", "changed_at": at, "source": source}
	if last:
		frappe.db.set_value(PREFERENCE, number, choice, update_modified=False)
	elif not insert_once(frappe.get_doc({"doctype": PREFERENCE, "number": number, **choice})):
		frappe.db.commit()  # a racing worker won: read its choice
		return apply_preference(number, stop, at, reason, source)
	if stop:
		add(number, reason, source)
	else:
		remove(number)
	frappe.db.commit()
	return True
