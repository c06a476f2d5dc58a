"""Who a rule messages: numbers from the rule's recipient rows, normalized, each once.

- Document Field: the number in a field of the document (e.g. `mobile_no`).
- Document Contact: the document's Contact. Looked for in this order: a contact number the
  document carries (`contact_mobile`, as ERPNext's sales documents copy it), the Contact the
  document links (`contact_person`, `contact`; the Contact itself), then the primary contact of
  its Customer (`customer_primary_contact` of the document or of its `customer`), then Contacts
  linked to the document. From a Contact: its primary mobile, else its primary phone, else its
  first number.
- Fixed Number: the number written in the row.
- Role: the mobile numbers of enabled users with the role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.errors import InvalidPhoneNumber
from whatsapp_integration.core.i18n import _, sentence_of
from whatsapp_integration.core.phone import normalize

CONTACT = "Contact"
CUSTOMER = "Customer"
NUMBER_FIELDS = ("contact_mobile",)
CONTACT_FIELDS = ("contact_person", "contact")
PRIMARY_CONTACT_FIELD = "customer_primary_contact"
CUSTOMER_FIELD = "customer"


@dataclass(frozen=True)
class ContactPhone:
	number: str
	is_primary_mobile: bool = False
	is_primary_phone: bool = False


@dataclass(frozen=True)
class ContactLookup:
	"""Where a document's contact may be found, in the order to try them."""

	numbers: tuple[str, ...] = ()
	contacts: tuple[str, ...] = ()
	customers: tuple[str, ...] = ()
	linked_to: tuple[str, str] | None = None


@dataclass
class Resolution:
	numbers: list[str] = field(default_factory=list)
	skipped: list[str] = field(default_factory=list)  # a reason per number that cannot be messaged


def contact_lookup(doctype: str, name: str, values: Mapping[str, Any]) -> ContactLookup:
	"""The places to look for the Contact of a document with `values`."""
	contacts = [name] if doctype == CONTACT else []
	contacts += [str(values[f]) for f in CONTACT_FIELDS if values.get(f)]
	if values.get(PRIMARY_CONTACT_FIELD):
		contacts.append(str(values[PRIMARY_CONTACT_FIELD]))
	customers = [name] if doctype == CUSTOMER else []
	if values.get(CUSTOMER_FIELD):
		customers.append(str(values[CUSTOMER_FIELD]))
	return ContactLookup(
		numbers=tuple(str(values[f]) for f in NUMBER_FIELDS if values.get(f)),
		contacts=tuple(dict.fromkeys(contacts)),
		customers=tuple(dict.fromkeys(customers)),
		linked_to=None if doctype == CONTACT else (doctype, name),
	)


def contact_number(phones: Sequence[ContactPhone], mobile_no: str | None = None) -> str | None:
	"""The number to message a Contact on: primary mobile, primary phone, `mobile_no`, first."""
	for chosen in (
		next((p.number for p in phones if p.is_primary_mobile and p.number), None),
		next((p.number for p in phones if p.is_primary_phone and p.number), None),
		mobile_no,
		next((p.number for p in phones if p.number), None),
	):
		if chosen:
			return chosen
	return None


def resolve(raw_numbers: Iterable[tuple[str, str]], default_country: str | None) -> Resolution:
	"""Normalize (what, raw number) pairs into E.164 numbers, each once, in order; numbers that
	cannot be read are skipped with a reason naming where they came from."""
	resolution = Resolution()
	for what, raw in raw_numbers:
		if not (raw or "").strip():
			resolution.skipped.append(_("{what}: no number").format(what=what))
			continue
		try:
			number = normalize(raw, default_country)
		except InvalidPhoneNumber as error:
			resolution.skipped.append(_("{what}: {reason}").format(what=what, reason=sentence_of(error)))

			continue
		if number not in resolution.numbers:
			resolution.numbers.append(number)
	return resolution
