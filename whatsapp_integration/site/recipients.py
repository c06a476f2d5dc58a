"""Campaign recipients picked the way ERPNext users expect: from any DocType with a phone field."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.records import CampaignRecord
from whatsapp_integration.core.campaign.rendering import message_sources, placeholder_names
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository

_DEFAULT_PHONE_FIELDS = {
	"Contact": "mobile_no",
	"Customer": "mobile_no",
	"Lead": "mobile_no",
	"Supplier": "mobile_no",
}
_SCALAR_FIELDTYPES = frozenset(
	{"Data", "Select", "Link", "Int", "Float", "Currency", "Date", "Datetime", "Phone", "Small Text", "Check"}
)


def phone_field_of(doctype: str) -> str:
	"""The field holding a mobile number: the usual one for ERPNext parties, else the first
	Phone field, else the first field named like a phone."""
	meta = frappe.get_meta(doctype)
	preferred = _DEFAULT_PHONE_FIELDS.get(doctype)
	if preferred and meta.has_field(preferred):
		return preferred
	for df in meta.fields:
		if df.fieldtype == "Phone" or (df.fieldtype == "Data" and df.options == "Phone"):
			return df.fieldname
	for df in meta.fields:
		if df.fieldtype in ("Data", "Phone") and ("mobile" in df.fieldname or "phone" in df.fieldname):
			return df.fieldname
	frappe.throw(
		_("{0} has no phone field. Choose the field that holds the mobile number.").format(_(doctype))
	)


def recipients_from_doctype(
	campaign: str, doctype: str, filters: dict[str, Any] | list | None, phone_field: str | None = None
) -> list[RecipientInput]:
	"""Recipients from the documents the user may read. Their context keeps only the fields the
	campaign's message or template parameters use (and name and phone), never the whole document."""
	meta = frappe.get_meta(doctype)
	phone_field = phone_field or phone_field_of(doctype)
	if not meta.has_field(phone_field):
		frappe.throw(_("{0} has no field {1}.").format(_(doctype), escape_html(phone_field)))
	used = _placeholders_of(FrappeCampaignRepository().get_campaign(campaign))
	kept = {"name", phone_field, *(df.fieldname for df in meta.fields if df.fieldtype in _SCALAR_FIELDTYPES)}
	context_fields = ["name", phone_field, *sorted(used & kept - {"name", phone_field})]
	title_field = meta.title_field if meta.title_field and meta.has_field(meta.title_field) else "name"
	fields = list(dict.fromkeys([*context_fields, title_field]))
	rows = frappe.get_list(doctype, filters=filters or {}, fields=fields, limit_page_length=0)
	return [
		RecipientInput(
			str(row.get(phone_field) or ""),
			str(row.get(title_field) or row.name),
			doctype,
			row.name,
			context={
				key: value if isinstance(value, int | float) else str(value)
				for key in context_fields
				if (value := row.get(key)) is not None
			},
		)
		for row in rows
	]


def _placeholders_of(campaign: CampaignRecord) -> set[str]:
	"""The context names the campaign's message and template parameters use."""
	sources = message_sources(campaign.text, campaign.template_params)
	return set().union(*(placeholder_names(label, source) for label, source in sources.items()))
