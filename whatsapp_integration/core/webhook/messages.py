"""One inbound message of a `messages` change, of any type, read into an `InboundMessage`."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.core.webhook.events import InboundMessage, Location, Media, Reaction
from whatsapp_integration.core.webhook.values import (
	as_dict,
	as_float,
	as_text,
	as_timestamp,
	dicts,
	first_error,
	joined,
)


def read_message(
	raw: dict[str, Any], number_id: str | None, display: str | None, contacts: list[dict[str, Any]]
) -> InboundMessage | None:
	wamid = as_text(raw.get("id"))
	if not wamid:
		return None
	wa_id = as_text(raw.get("from"))
	user_id = as_text(raw.get("from_user_id")) or as_text(raw.get("user_id"))
	contact = _contact_for(contacts, wa_id, user_id)
	kind = as_text(raw.get("type")) or "unknown"
	error_code, error_title = first_error(raw)
	return InboundMessage(
		wamid=wamid,
		wa_id=wa_id or as_text(contact.get("wa_id")),
		user_id=user_id or as_text(contact.get("user_id")),
		phone_number_id=number_id,
		display_phone_number=display,
		type=kind,
		text=_summary(kind, raw),
		timestamp=as_timestamp(raw.get("timestamp")),
		profile_name=as_text(as_dict(contact.get("profile")).get("name")),
		media=_media(as_dict(raw.get(kind))) if kind in MessageType.media() else None,
		location=_location(as_dict(raw.get("location"))) if kind == "location" else None,
		reply_id=_reply_id(kind, raw),
		reply_title=_reply_title(kind, raw),
		context_id=as_text(as_dict(raw.get("context")).get("id")),
		reaction=_reaction(as_dict(raw.get("reaction"))) if kind == "reaction" else None,
		shared_contacts=tuple(map(_shared_contact, dicts(raw.get("contacts")))) if kind == "contacts" else (),
		error_code=error_code,
		error_title=error_title,
	)


def _contact_for(contacts: list[dict[str, Any]], wa_id: str | None, user_id: str | None) -> dict[str, Any]:
	for contact in contacts:
		if (wa_id and contact.get("wa_id") == wa_id) or (user_id and contact.get("user_id") == user_id):
			return contact
	return contacts[0] if len(contacts) == 1 else {}


def _summary(kind: str, raw: dict[str, Any]) -> str | None:
	"""The readable text of any message type (what the Message Log shows)."""
	body = as_dict(raw.get(kind))
	if kind == "text":
		return as_text(body.get("body"))
	if kind in MessageType.media():  # without an id there is nothing to download: a placeholder
		placeholder = None if body.get("id") else f"[{kind}]"
		return as_text(body.get("caption")) or as_text(body.get("filename")) or placeholder
	if kind == "location":
		return joined(body.get("name"), body.get("address"), body.get("url"))
	if kind == "contacts":
		return joined(*(_shared_contact(card)["name"] for card in dicts(raw.get("contacts"))))
	if kind == "interactive":
		reply = _interactive_reply(body)
		return as_text(reply.get("title")) or as_text(reply.get("body")) or as_text(reply.get("name"))
	if kind == "button":
		return as_text(body.get("text")) or as_text(body.get("payload"))
	if kind == "reaction":
		return as_text(body.get("emoji"))
	return as_text(body.get("body")) or as_text(body.get("text"))


def _interactive_reply(body: dict[str, Any]) -> dict[str, Any]:
	kind = as_text(body.get("type")) or ""
	return as_dict(body.get(kind)) if kind else {}


def _reply_id(kind: str, raw: dict[str, Any]) -> str | None:
	body = as_dict(raw.get(kind))
	if kind == "interactive":
		return as_text(_interactive_reply(body).get("id"))
	if kind == "button":
		return as_text(body.get("payload"))
	return None


def _reply_title(kind: str, raw: dict[str, Any]) -> str | None:
	body = as_dict(raw.get(kind))
	if kind == "interactive":
		return as_text(_interactive_reply(body).get("title"))
	if kind == "button":
		return as_text(body.get("text"))
	return None


def _reaction(body: dict[str, Any]) -> Reaction:
	return Reaction(message_id=as_text(body.get("message_id")), emoji=as_text(body.get("emoji")))


def _shared_contact(card: dict[str, Any]) -> dict[str, Any]:
	"""One contact card, reduced to what a person needs to see and call it."""
	name = as_dict(card.get("name"))
	parts = (as_text(name.get(part)) for part in ("first_name", "middle_name", "last_name"))
	full_name = as_text(name.get("formatted_name")) or " ".join(part for part in parts if part) or None
	phones = [
		{
			"phone": as_text(phone.get("phone")),
			"wa_id": as_text(phone.get("wa_id")),
			"type": as_text(phone.get("type")),
		}
		for phone in dicts(card.get("phones"))
	]
	return {
		"name": full_name,
		"phones": [phone for phone in phones if phone["phone"] or phone["wa_id"]],
		"emails": [email for item in dicts(card.get("emails")) if (email := as_text(item.get("email")))],
		"organization": as_text(as_dict(card.get("org")).get("company")),
	}


def _media(body: dict[str, Any]) -> Media:
	return Media(
		id=as_text(body.get("id")),
		mime_type=as_text(body.get("mime_type")),
		sha256=as_text(body.get("sha256")),
		caption=as_text(body.get("caption")),
		filename=as_text(body.get("filename")),
	)


def _location(body: dict[str, Any]) -> Location:
	return Location(
		latitude=as_float(body.get("latitude")),
		longitude=as_float(body.get("longitude")),
		name=as_text(body.get("name")),
		address=as_text(body.get("address")),
	)
