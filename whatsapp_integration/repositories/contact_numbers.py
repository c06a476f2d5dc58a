"""An indexed lookup of Contacts by WhatsApp number (see `contact_by_number` for why).

Each Contact Phone row carries its number's E.164 form in the indexed custom field
`whatsapp_number`: set by the Contact `validate` hook, filled for existing rows on install and
after every migrate (only rows without a value are read).
"""

from __future__ import annotations

import frappe
import phonenumbers
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields
from frappe.model.document import Document

from whatsapp_integration.core.webhook_records import ContactLink
from whatsapp_integration.site.settings import get_config

CONTACT_NUMBER_FIELD = "whatsapp_number"
PARTY_PREFERENCE = ("Customer", "Lead", "Supplier")


def contact_number_key(phone: str | None, country: str | None) -> str:
	"""`phone` as E.164 when it can be read as a possible number ("" otherwise); a leading 00 is
	read as +, and digits without either are tried as international when the default country
	does not fit them."""
	text = (phone or "").strip()
	digits = "".join(char for char in text if char.isdigit())
	if text.startswith("00"):
		text = "+" + digits[2:]
	candidates = [text]
	if digits and not text.startswith("+"):
		candidates.append("+" + digits)
	for candidate in candidates:
		try:
			parsed = phonenumbers.parse(
				candidate, (country or None) if not candidate.startswith("+") else None
			)
		except phonenumbers.NumberParseException:
			continue
		if phonenumbers.is_possible_number(parsed):
			return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
	return ""


def index_contact_numbers(doc: Document, method: str | None = None) -> None:
	"""Contact `validate` hook: each phone row gets its E.164 form for the indexed lookup."""
	country = get_config().default_country
	for row in doc.get("phone_nos") or []:
		row.set(CONTACT_NUMBER_FIELD, contact_number_key(row.phone, country))


def ensure_contact_number_index() -> None:
	"""The indexed custom field on Contact Phone exists and every phone row has its value."""
	create_custom_fields(
		{
			"Contact Phone": [
				{
					"fieldname": CONTACT_NUMBER_FIELD,
					"label": "WhatsApp Number (E.164)",
					"fieldtype": "Data",
					"insert_after": "phone",
					"read_only": 1,
					"hidden": 1,
					"search_index": 1,
					"no_copy": 1,
				}
			]
		},
		update=True,
	)
	country = get_config().default_country
	rows = frappe.db.sql(
		f"select name, phone from `tabContact Phone` where {CONTACT_NUMBER_FIELD} is null", as_dict=True
	)
	for row in rows:
		key = contact_number_key(row.phone, country)
		frappe.db.set_value("Contact Phone", row.name, CONTACT_NUMBER_FIELD, key, update_modified=False)
	frappe.db.commit()


def contact_by_number(number: str) -> str | None:
	"""The Contact with a phone row whose number is `number` (E.164), however it was typed.

	Contact Phone's `phone` is free text ("0176 1234567", "+49 (176) ...") without an index, so
	matching it means normalising every row of the table for each inbound message. Instead each
	phone row carries its E.164 form in an indexed custom field `whatsapp_number`, kept by the
	Contact's `validate` hook (`index_contact_numbers`) and filled for existing rows on install and
	migrate (`ensure_contact_number_index`). A custom field rather than an index on `phone` itself,
	because an index on `phone` cannot match its many formats; rather than a table of our own,
	because the value lives and dies with its phone row (no sync to keep right)."""
	rows = frappe.db.sql(
		f"""select parent from `tabContact Phone` where {CONTACT_NUMBER_FIELD} = %s
		and parenttype = 'Contact' order by creation limit 1""",
		number,
	)
	return rows[0][0] if rows else None


def contact_link(contact: str) -> ContactLink:
	"""`contact` with the Customer, Lead or Supplier it links to (in that order of preference)."""
	return contact_links([contact])[contact]


def contact_links(contacts: list[str]) -> dict[str, ContactLink]:
	"""Each of `contacts` with its preferred Customer, Lead or Supplier, in one query."""
	links = frappe.get_all(
		"Dynamic Link",
		filters={"parent": ("in", contacts), "parenttype": "Contact"},
		fields=["parent", "link_doctype", "link_name"],
		order_by="idx asc",
	)
	ranked = sorted(
		links,
		key=lambda link: (
			PARTY_PREFERENCE.index(link.link_doctype)
			if link.link_doctype in PARTY_PREFERENCE
			else len(PARTY_PREFERENCE)
		),
	)
	party = {}
	for link in ranked:
		party.setdefault(link.parent, link)
	return {
		contact: ContactLink(contact, party[contact].link_doctype, party[contact].link_name)
		if contact in party
		else ContactLink(contact)
		for contact in contacts
	}


def contacts_by_number(numbers: list[str]) -> dict[str, str]:
	"""`contact_by_number` for many numbers at once: number -> Contact (the first one created)."""
	if not numbers:
		return {}
	rows = frappe.db.sql(
		f"""select {CONTACT_NUMBER_FIELD}, parent from `tabContact Phone` where {CONTACT_NUMBER_FIELD} in %s
		and parenttype = 'Contact' order by creation desc""",
		(tuple(numbers),),
	)
	return dict(rows)  # the last row of a number wins: its earliest Contact
