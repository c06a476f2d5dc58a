"""WhatsApp Notification rules and the documents they message, on the site's database.

The service's `NotificationSite` (conditions with Frappe's safe_eval, recipient numbers, the
print PDF as a private File, the run record) and the reads of the glue: cached event triggers,
rules, date rules and the documents of a date window through one indexed range query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, time, timedelta
from typing import Any

import frappe
from frappe import _
from frappe.model.document import Document as FrappeDocument
from frappe.utils import get_time, now_datetime
from frappe.utils.user import get_users_with_role

from whatsapp_integration.core.campaign.rendering import render_text
from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.message import Media
from whatsapp_integration.core.notification.dates import DateWindow
from whatsapp_integration.core.notification.events import Trigger, rule_key_prefix
from whatsapp_integration.core.notification.mapping import DocumentValues, ParameterMapping
from whatsapp_integration.core.notification.recipients import (
	ContactPhone,
	contact_lookup,
	contact_number,
)
from whatsapp_integration.core.notification.rule import Document, NotificationRule, RunResult
from whatsapp_integration.core.vocabulary import MessageType, NotificationEvent, RecipientSource
from whatsapp_integration.site.doctypes import MESSAGE_LOG, NOTIFICATION, TEMPLATE

MAX_ERROR_LENGTH = 2000
_NO_VALUE_TYPES = frozenset(
	{
		"Table",
		"Table MultiSelect",
		"Section Break",
		"Column Break",
		"Tab Break",
		"HTML",
		"Button",
		"Fold",
		"Heading",
	}
)


def event_triggers(doctype: str) -> list[Trigger]:
	"""The enabled rules of `doctype` fired by document events (cached by the glue). No rules while the
	table does not exist yet (new code running before `bench migrate` created it): saves go on."""
	if not frappe.db.table_exists(NOTIFICATION):
		return []
	rows = frappe.get_all(
		NOTIFICATION,
		filters={"enabled": 1, "document_type": doctype, "event": ("not in", NotificationEvent.dated())},
		fields=["name", "event", "value_changed", "method"],
		order_by="name asc",
	)
	return [Trigger(row.name, row.event, row.value_changed or None, row.method or None) for row in rows]


def load_rule(name: str, enabled_only: bool = True) -> NotificationRule | None:
	"""The rule `name` as the service sends it; None when gone (or disabled, with `enabled_only`)."""
	if not frappe.db.exists(NOTIFICATION, name):
		return None
	rule = frappe.get_doc(NOTIFICATION, name)
	if enabled_only and not rule.enabled:
		return None
	template_name, language = _template(rule)
	return NotificationRule(
		name=rule.name,
		document_type=rule.document_type,
		device=rule.device or None,
		template=template_name,
		language=language,
		parameters=parameter_mappings(rule.parameters),
		text=rule.message if rule.message_type == "Text" else None,
		attach_print=bool(rule.attach_print) and rule.message_type == "Template",
		condition=(rule.condition or "").strip() or None,
		print_format=rule.print_format or None,
		letterhead=rule.letterhead or None,
		pdf_file_name=rule.pdf_file_name or None,
	)


def parameter_mappings(rows: list[Any]) -> tuple[ParameterMapping, ...]:
	"""The rule's WhatsApp Notification Parameter rows as mappings."""
	return tuple(
		ParameterMapping(
			int(row.position or 0), row.field or None, row.expression or None, row.parameter_name or None
		)
		for row in rows
	)


def _template(rule: FrappeDocument) -> tuple[str | None, str | None]:
	if rule.message_type != "Template" or not rule.template:
		return None, None
	values = frappe.db.get_value(TEMPLATE, rule.template, ["template_name", "language"], as_dict=True)
	return (values.template_name, values.language) if values else (None, None)


def document(doc: FrappeDocument) -> Document:
	"""A document as rules see it: its field values, and the desk's display text on demand."""
	values = {"name": doc.name, "doctype": doc.doctype}
	for df in doc.meta.fields:
		if df.fieldtype not in _NO_VALUE_TYPES:
			values[df.fieldname] = doc.get(df.fieldname)
	for field in ("owner", "creation", "modified", "docstatus"):
		values[field] = doc.get(field)
	return Document(doc.doctype, doc.name, DocumentValues(values, _Formatted(doc)))


class _Formatted(Mapping[str, str]):
	"""`doc.get_formatted(field)`, computed only for the fields a message maps; keeps the loaded
	document for the rule's condition."""

	def __init__(self, doc: FrappeDocument) -> None:
		self.doc = doc

	def __getitem__(self, field: str) -> str:
		if field in ("name", "doctype") or not self.doc.meta.get_field(field):
			return str(self.doc.get(field) or "")
		return self.doc.get_formatted(field) or ""

	def __iter__(self) -> Iterator[str]:
		return iter(self.doc.meta.get_valid_columns())

	def __len__(self) -> int:
		return len(self.doc.meta.get_valid_columns())


def date_rules() -> list[Any]:
	return frappe.get_all(
		NOTIFICATION,
		filters={"enabled": 1, "event": ("in", NotificationEvent.dated())},
		fields=["name", "event", "days", "send_time"],
		order_by="name asc",
	)


def time_of(value: Any) -> time | None:
	if value in (None, ""):
		return None
	if isinstance(value, timedelta):
		return (datetime.min + value).time()
	return get_time(value)


def documents_on(rule_name: str, window: DateWindow) -> Iterator[Document]:
	"""The documents whose date field falls on the window's day: one range query on the field
	(an index on it keeps it fast on large tables); cancelled documents are left out."""
	rule = frappe.db.get_value(NOTIFICATION, rule_name, ["document_type", "date_field"], as_dict=True)
	meta = frappe.get_meta(rule.document_type)
	field = meta.get_field(rule.date_field)
	if field is not None and field.fieldtype == "Date":
		filters: list[Any] = [[rule.date_field, "=", window.day]]
	else:
		filters = [[rule.date_field, ">=", window.start], [rule.date_field, "<", window.end]]
	if meta.is_submittable:
		filters.append(["docstatus", "<", 2])
	for name in frappe.get_all(rule.document_type, filters=filters, pluck="name", order_by="name asc"):
		yield document(frappe.get_doc(rule.document_type, name))


def finish_window(rule_name: str, occasion: str) -> None:
	frappe.db.set_value(NOTIFICATION, rule_name, "last_window", occasion, update_modified=False)


class FrappeNotificationSite:
	"""The site side of `services.notifications.NotificationSite`."""

	def __init__(self) -> None:
		self._recipient_rows: dict[str, list[Any]] = {}

	def passes_condition(self, rule: NotificationRule, document: Document) -> bool:
		if not rule.condition:
			return True
		formatted = document.values.formatted
		doc = (
			formatted.doc
			if isinstance(formatted, _Formatted)
			else frappe.get_doc(document.doctype, document.name)
		)
		try:
			return bool(frappe.safe_eval(rule.condition, None, {"doc": doc}))
		except Exception as error:
			raise InvalidMessage(
				_("The condition {0} could not be evaluated: {1}").format(rule.condition, error)
			) from None

	def recipient_numbers(self, rule: NotificationRule, document: Document) -> list[tuple[str, str]]:
		found: list[tuple[str, str]] = []
		for row in self._rows(rule.name):
			found += _numbers_of(row, document)
		return found

	def _rows(self, rule: str) -> list[Any]:
		"""The rule's recipient rows, read once per run (a date rule messages many documents)."""
		if rule not in self._recipient_rows:
			self._recipient_rows[rule] = frappe.get_all(
				"WhatsApp Notification Recipient",
				filters={"parent": rule, "parenttype": NOTIFICATION},
				fields=["source", "field", "number", "role"],
				order_by="idx asc",
			)
		return self._recipient_rows[rule]

	def header(self, rule: NotificationRule, document: Document) -> Media | None:
		file_name = pdf_file_name(rule, document)
		try:
			pdf = frappe.get_print(
				document.doctype,
				document.name,
				rule.print_format,
				as_pdf=True,
				letterhead=rule.letterhead,
				no_letterhead=0 if rule.letterhead else 1,
			)
		except Exception as error:
			frappe.log_error(
				title=_("WhatsApp Notification {0}: PDF of {1} failed").format(rule.name, document.name)
			)
			raise InvalidMessage(
				_(
					"The print of {0} {1} could not be made into a PDF ({2}); check the print format and the PDF generator (wkhtmltopdf)."
				).format(document.doctype, document.name, str(error).splitlines()[0][:200])
			) from None
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": file_name,
				"attached_to_doctype": document.doctype,
				"attached_to_name": document.name,
				"is_private": 1,
				"content": pdf,
			}
		).insert(ignore_permissions=True)
		return Media(MessageType.DOCUMENT, file_url=file.file_url, filename=file_name)

	def sent_keys(self, keys: list[str]) -> set[str]:
		return set(
			frappe.get_all(MESSAGE_LOG, filters={"idempotency_key": ("in", keys)}, pluck="idempotency_key")
		)

	def record_run(self, rule: str, result: RunResult) -> None:
		summary = _("{0} sent, {1} failed, {2} opted out").format(
			result.sent, result.failed, result.opted_out
		)
		frappe.db.set_value(
			NOTIFICATION,
			rule,
			{
				"last_run_at": now_datetime(),
				"last_run_summary": summary,
				"last_error": "\n".join(result.errors)[:MAX_ERROR_LENGTH],
			},
			update_modified=False,
		)


def pdf_file_name(rule: NotificationRule, document: Document) -> str:
	stem = render_text(rule.pdf_file_name, document.values.context()) if rule.pdf_file_name else document.name
	stem = "".join(c for c in stem.strip() if c not in '/\\:*?"<>|') or document.name
	return stem if stem.lower().endswith(".pdf") else f"{stem}.pdf"


def _numbers_of(row: Any, document: Document) -> list[tuple[str, str]]:
	if row.source == RecipientSource.DOCUMENT_FIELD:
		return [(_("field {0}").format(row.field), str(document.values.values.get(row.field) or ""))]
	if row.source == RecipientSource.FIXED_NUMBER:
		return [(_("fixed number"), row.number or "")]
	if row.source == RecipientSource.ROLE:
		return _role_numbers(row.role)
	if row.source == RecipientSource.DOCUMENT_CONTACT:
		return [(_("the document's contact"), document_contact_number(document) or "")]
	return []


def _role_numbers(role: str) -> list[tuple[str, str]]:
	users = get_users_with_role(role) if role else []
	if not users:
		return []
	rows = frappe.get_all("User", filters={"name": ("in", users), "enabled": 1}, fields=["name", "mobile_no"])
	return [(_("user {0}").format(row.name), row.mobile_no or "") for row in rows]


def document_contact_number(document: Document) -> str | None:
	"""The number of the document's Contact (see core.notification.recipients for the order)."""
	lookup = contact_lookup(document.doctype, document.name, document.values.values)
	if lookup.numbers:
		return lookup.numbers[0]
	contacts = list(lookup.contacts)
	for customer in lookup.customers:
		if frappe.db.exists("DocType", "Customer"):
			primary = frappe.db.get_value("Customer", customer, "customer_primary_contact")
			contacts += [primary] if primary else []
	if lookup.linked_to:
		contacts += frappe.get_all(
			"Dynamic Link",
			filters={
				"parenttype": "Contact",
				"link_doctype": lookup.linked_to[0],
				"link_name": lookup.linked_to[1],
			},
			pluck="parent",
		)
	for contact in dict.fromkeys(contacts):
		number = _contact_number(contact)
		if number:
			return number
	return None


def _contact_number(contact: str) -> str | None:
	if not frappe.db.exists("Contact", contact):
		return None
	phones = frappe.get_all(
		"Contact Phone",
		filters={"parent": contact, "parenttype": "Contact"},
		fields=["phone", "is_primary_mobile_no", "is_primary_phone"],
		order_by="idx asc",
	)
	rows = [
		ContactPhone(p.phone or "", bool(p.is_primary_mobile_no), bool(p.is_primary_phone)) for p in phones
	]
	return contact_number(rows, frappe.db.get_value("Contact", contact, "mobile_no"))


RECENT_LOGS = 20


def activity(rule: str) -> dict[str, Any]:
	"""Counts by status and the latest Message Logs of the rule's messages, found by their
	idempotency key prefix (a range scan of the key's unique index)."""
	like = {"idempotency_key": ("like", f"{rule_key_prefix(rule)}%")}
	counts = frappe.get_all(
		MESSAGE_LOG,
		filters=like,
		fields=["status", "count(*) as count"],
		group_by="status",
		order_by="status asc",
	)
	recent = frappe.get_all(
		MESSAGE_LOG,
		filters=like,
		fields=[
			"name",
			"to_number",
			"status",
			"reference_doctype",
			"reference_name",
			"creation",
			"error_reason",
		],
		order_by="creation desc",
		limit=RECENT_LOGS,
	)
	return {"counts": {row.status: row.count for row in counts}, "recent": recent}
