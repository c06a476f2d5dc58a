"""Checks of a WhatsApp Notification or WhatsApp Reply Action on save: every setting is checked
against the DocType it names, so a rule that cannot work is refused with what to fix."""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.model.document import Document as FrappeDocument

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.notification import dates
from whatsapp_integration.core.notification.mapping import (
	ParameterMapping,
	check_placeholders,
	check_template_fit,
)
from whatsapp_integration.core.notification.replies import check_settable_field
from whatsapp_integration.core.templates.components import TemplateVariables, template_variables
from whatsapp_integration.core.vocabulary import NotificationEvent, RecipientSource, ReplyActionKind
from whatsapp_integration.repositories.notifications import parameter_mappings
from whatsapp_integration.site.doctypes import TEMPLATE
from whatsapp_integration.site.errors import user_errors

OWN_MODULE = "WhatsApp Integration"
DATE_TYPES = ("Date", "Datetime")
_NO_DATA = (
	"Section Break",
	"Column Break",
	"Tab Break",
	"HTML",
	"Button",
	"Table",
	"Table MultiSelect",
	"Fold",
	"Heading",
)


def fieldnames(doctype: str) -> list[str]:
	"""The data fields of `doctype`, plus `name`, that rules may read."""
	meta = frappe.get_meta(doctype)
	return ["name", *(df.fieldname for df in meta.fields if df.fieldtype not in _NO_DATA)]


def validate_rule(rule: FrappeDocument) -> None:
	_check_document_type(rule.document_type)
	with user_errors():
		_check_event(rule)
		_check_condition(rule.condition)
		_check_recipients(rule)
		_check_message(rule)
	if rule.attach_print and rule.message_type != "Template":
		frappe.throw(
			_("A PDF header goes with a template: choose a template, or untick Send Print as PDF Header.")
		)


def _check_document_type(doctype: str) -> None:
	meta = frappe.get_meta(doctype)
	if meta.module == OWN_MODULE or meta.istable or meta.issingle:
		frappe.throw(
			_(
				"Notifications can be set up on documents of other apps, not on {0} (a child table, a single "
				"or a WhatsApp DocType)."
			).format(doctype)
		)


def _check_event(rule: FrappeDocument) -> None:
	meta = frappe.get_meta(rule.document_type)
	if rule.event == NotificationEvent.VALUE_CHANGE and rule.value_changed not in fieldnames(
		rule.document_type
	):
		raise InvalidMessage(
			_("Choose the field of {0} whose change sends the message.").format(rule.document_type)
		)
	if rule.event in (NotificationEvent.SUBMIT, NotificationEvent.CANCEL) and not meta.is_submittable:
		raise InvalidMessage(_("{0} is not submittable: choose another event.").format(rule.document_type))
	if rule.event == NotificationEvent.METHOD and not (rule.method or "").isidentifier():
		raise InvalidMessage(_("Method must be a method name like on_payment_authorized."))
	if rule.event in NotificationEvent.dated():
		field = meta.get_field(rule.date_field or "")
		if field is None or field.fieldtype not in DATE_TYPES:
			raise InvalidMessage(_("Choose a Date or Datetime field of {0}.").format(rule.document_type))
		dates.check_days(int(rule.days or 0))


def _check_condition(condition: str | None) -> None:
	if not (condition or "").strip():
		return
	try:
		compile(condition, "condition", "eval")
	except SyntaxError as error:
		raise InvalidMessage(_("The condition is not a valid expression: {0}").format(error.msg)) from None


def _check_recipients(rule: FrappeDocument) -> None:
	fields = fieldnames(rule.document_type)
	if not rule.recipients:
		raise InvalidMessage(_("Add at least one recipient."))
	for row in rule.recipients:
		if row.source == RecipientSource.DOCUMENT_FIELD and row.field not in fields:
			raise InvalidMessage(
				_("Recipient row {0}: choose the phone field of {1}.").format(row.idx, rule.document_type)
			)
		if row.source == RecipientSource.FIXED_NUMBER and not (row.number or "").strip():
			raise InvalidMessage(_("Recipient row {0}: enter the number.").format(row.idx))
		if row.source == RecipientSource.ROLE and not row.role:
			raise InvalidMessage(_("Recipient row {0}: choose the role.").format(row.idx))


def _check_message(rule: FrappeDocument) -> None:
	fields = fieldnames(rule.document_type)
	if rule.message_type == "Text":
		check_placeholders({_("the text"): rule.message or ""}, fields)
		return
	template = frappe.db.get_value(TEMPLATE, rule.template, ["template_name", "components"], as_dict=True)
	if template is None:
		raise InvalidMessage(
			_("Template {0} does not exist; sync templates or choose another.").format(rule.template)
		)
	mappings = parameter_mappings(rule.parameters)
	check_template_fit(
		template.template_name, _variables(template.components), mappings, bool(rule.attach_print)
	)
	for mapping in mappings:
		if mapping.field and mapping.field not in fields:
			raise InvalidMessage(
				_("Parameter {0} is mapped to {1}, which is not a field of {2}.").format(
					mapping.position, mapping.field, rule.document_type
				)
			)
	sources = {_("parameter {0}").format(m.position): m.expression for m in mappings if m.expression}
	sources[_("the PDF file name")] = rule.pdf_file_name or ""
	check_placeholders(sources, fields)


def _variables(components: str | list | None) -> TemplateVariables | None:
	parsed = json.loads(components) if isinstance(components, str) and components else components
	return template_variables(parsed) if isinstance(parsed, list) and parsed else None


def validate_reply_action(action: FrappeDocument) -> None:
	with user_errors():
		if action.action == ReplyActionKind.SET_FIELD:
			if not action.reference_doctype:
				raise InvalidMessage(
					_("Set Field needs the DocType of the documents it changes (Only Replies About).")
				)
			check_settable_field(action.set_field or "", fieldnames(action.reference_doctype))
		if action.action == ReplyActionKind.AUTO_REPLY:
			if action.reply_type == "Template" and not action.template:
				raise InvalidMessage(_("Choose the template to reply with."))
			if action.reply_type == "Text" and not (action.reply_text or "").strip():
				raise InvalidMessage(_("Write the reply text."))
		if action.action == ReplyActionKind.CALL_METHOD:
			_check_whitelisted(action.method or "")


def _check_whitelisted(path: str) -> None:
	try:
		method = frappe.get_attr(path)
	except Exception:
		raise InvalidMessage(_("Method {0} was not found; give its dotted path.").format(path)) from None
	if method not in frappe.whitelisted:
		raise InvalidMessage(_("Method {0} is not whitelisted (@frappe.whitelist()).").format(path))
