"""Meta's webhook: the handshake, the signature, and the payload turned into typed events.

Everything here is framework-free and total: `parse_webhook` reads any JSON object without
raising (unknown fields and shapes are skipped), so one odd event never hides the others of a
batch. Only a body that is not a JSON object raises `InvalidWebhookPayload`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.config import DEFAULT_START_KEYWORDS, DEFAULT_STOP_KEYWORDS
from whatsapp_integration.core.errors import InvalidSignature, InvalidWebhookPayload, MetaCode
from whatsapp_integration.core.status import from_meta
from whatsapp_integration.core.vocabulary import MessageType

SIGNATURE_PREFIX = "sha256="
# Sources of an opt-out, as the `source` options of WhatsApp Opt Out name them
SOURCE_KEYWORD = "Keyword"
SOURCE_META = "Meta"


def verify_signature(raw_body: bytes, signature_header: str | None, app_secret: str) -> None:
	"""Raise `InvalidSignature` unless `signature_header` is `sha256=<HMAC-SHA256 of raw_body>`.

	The HMAC is computed over the exact bytes received (never re-serialised JSON) and compared
	in constant time. An empty app secret never verifies anything.
	"""
	if not app_secret:
		raise InvalidSignature("No App Secret is set in WhatsApp Integration Settings.")
	header = (signature_header or "").strip()
	if not header.startswith(SIGNATURE_PREFIX):
		raise InvalidSignature("The X-Hub-Signature-256 header is missing or not of the form sha256=<hex>.")
	expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
	received = header[len(SIGNATURE_PREFIX) :].lower()
	if not hmac.compare_digest(expected.encode(), received.encode("ascii", "replace")):
		raise InvalidSignature("The webhook signature does not match the App Secret.")


def sign(raw_body: bytes, app_secret: str) -> str:
	"""The `X-Hub-Signature-256` header Meta sends with `raw_body` (for tests and benchmarks)."""
	return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_handshake(mode: str | None, token: str | None, challenge: str | None, expected_token: str) -> str:
	"""The challenge to answer Meta's subscription GET with; `InvalidSignature` when it must be refused."""
	matches = hmac.compare_digest((token or "").encode(), (expected_token or "").encode())
	if mode != "subscribe" or not expected_token or not matches or challenge is None:
		raise InvalidSignature("The webhook verification request does not match the verify token.")
	return challenge


@dataclass(frozen=True)
class Media:
	id: str | None
	mime_type: str | None = None
	sha256: str | None = None
	caption: str | None = None
	filename: str | None = None


@dataclass(frozen=True)
class Location:
	latitude: float | None
	longitude: float | None
	name: str | None = None
	address: str | None = None


@dataclass(frozen=True)
class InboundMessage:
	"""One message a customer sent. `wa_id` is None for users known only by their BSUID."""

	wamid: str
	wa_id: str | None
	user_id: str | None
	phone_number_id: str | None
	display_phone_number: str | None
	type: str
	text: str | None
	timestamp: int | None
	profile_name: str | None = None
	media: Media | None = None
	location: Location | None = None
	reply_id: str | None = None
	context_id: str | None = None
	error_code: int | None = None
	error_title: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
	"""One status event of a message we sent; `status` is ours (`core.status`)."""

	wamid: str
	status: str
	timestamp: int | None
	phone_number_id: str | None
	recipient_id: str | None = None
	recipient_user_id: str | None = None
	callback_data: str | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_details: str | None = None


@dataclass(frozen=True)
class PreferenceChange:
	"""A customer stopped (opt-out) or resumed (opt-in) messages from us."""

	wa_id: str | None
	user_id: str | None
	phone_number_id: str | None
	reason: str
	source: str
	timestamp: int | None = None


@dataclass
class WebhookBatch:
	messages: list[InboundMessage] = field(default_factory=list)
	statuses: list[StatusUpdate] = field(default_factory=list)
	opt_outs: list[PreferenceChange] = field(default_factory=list)
	opt_ins: list[PreferenceChange] = field(default_factory=list)
	ignored_fields: list[str] = field(default_factory=list)
	skipped: int = 0  # events too malformed to use (no id, unknown status, wrong types)


def load_envelope(raw_body: bytes) -> dict[str, Any]:
	"""The decoded body; `InvalidWebhookPayload` unless it is a JSON object."""
	try:
		payload = json.loads(raw_body)
	except (ValueError, RecursionError, TypeError):
		raise InvalidWebhookPayload("The webhook body is not valid JSON.")
	if not isinstance(payload, dict):
		raise InvalidWebhookPayload("The webhook body is not a JSON object.")
	return payload


def parse_webhook(
	raw_body: bytes,
	*,
	stop_keywords: Iterable[str] = DEFAULT_STOP_KEYWORDS,
	start_keywords: Iterable[str] = DEFAULT_START_KEYWORDS,
) -> WebhookBatch:
	"""Every event of every change of every entry in `raw_body`, in order."""
	payload = load_envelope(raw_body)
	batch = WebhookBatch()
	for change in _changes(payload):
		_read_change(change, batch)
	_detect_keywords(batch, _keyword_set(stop_keywords), _keyword_set(start_keywords))
	return batch


def _changes(payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
	for entry in _dicts(payload.get("entry")):
		yield from _dicts(entry.get("changes"))


def _read_change(change: dict[str, Any], batch: WebhookBatch) -> None:
	value = _dict(change.get("value"))
	kind = change.get("field")
	if kind == "messages":
		_read_messages_value(value, batch)
	elif kind == "user_preferences":
		_read_preferences(value, batch)
	else:
		batch.ignored_fields.append(_text(kind) or "(none)")


def _read_messages_value(value: dict[str, Any], batch: WebhookBatch) -> None:
	metadata = _dict(value.get("metadata"))
	number_id, display = _text(metadata.get("phone_number_id")), _text(metadata.get("display_phone_number"))
	contacts = list(_dicts(value.get("contacts")))
	for raw in _items(value.get("messages")):
		message = _message(_dict(raw), number_id, display, contacts)
		_append_or_skip(batch.messages, message, batch)
	for raw in _items(value.get("statuses")):
		status = _status(_dict(raw), number_id)
		_append_or_skip(batch.statuses, status, batch)
		if status and status.error_code == MetaCode.USER_STOPPED_MARKETING:
			batch.opt_outs.append(_opt_out_from_status(status))


def _append_or_skip(target: list, event: Any, batch: WebhookBatch) -> None:
	if event is None:
		batch.skipped += 1
	else:
		target.append(event)


def _message(
	raw: dict[str, Any], number_id: str | None, display: str | None, contacts: list[dict[str, Any]]
) -> InboundMessage | None:
	wamid = _text(raw.get("id"))
	if not wamid:
		return None
	wa_id = _text(raw.get("from"))
	user_id = _text(raw.get("from_user_id")) or _text(raw.get("user_id"))
	contact = _contact_for(contacts, wa_id, user_id)
	kind = _text(raw.get("type")) or "unknown"
	error_code, error_title = _first_error(raw)
	return InboundMessage(
		wamid=wamid,
		wa_id=wa_id or _text(contact.get("wa_id")),
		user_id=user_id or _text(contact.get("user_id")),
		phone_number_id=number_id,
		display_phone_number=display,
		type=kind,
		text=_summary(kind, raw),
		timestamp=_timestamp(raw.get("timestamp")),
		profile_name=_text(_dict(contact.get("profile")).get("name")),
		media=_media(_dict(raw.get(kind))) if kind in MessageType.media() else None,
		location=_location(_dict(raw.get("location"))) if kind == "location" else None,
		reply_id=_reply_id(kind, raw),
		context_id=_text(_dict(raw.get("context")).get("id")) or _reaction_target(kind, raw),
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
	body = _dict(raw.get(kind))
	if kind == "text":
		return _text(body.get("body"))
	if kind in MessageType.media():
		return _text(body.get("caption")) or _text(body.get("filename"))
	if kind == "location":
		return _join(body.get("name"), body.get("address"), body.get("url"))
	if kind == "contacts":
		names = (_dict(contact.get("name")).get("formatted_name") for contact in _dicts(raw.get("contacts")))
		return _join(*names)
	if kind == "interactive":
		reply = _interactive_reply(body)
		return _text(reply.get("title")) or _text(reply.get("body")) or _text(reply.get("name"))
	if kind == "button":
		return _text(body.get("text")) or _text(body.get("payload"))
	if kind == "reaction":
		return _text(body.get("emoji"))
	return _text(body.get("body")) or _text(body.get("text"))


def _interactive_reply(body: dict[str, Any]) -> dict[str, Any]:
	kind = _text(body.get("type")) or ""
	return _dict(body.get(kind)) if kind else {}


def _reply_id(kind: str, raw: dict[str, Any]) -> str | None:
	body = _dict(raw.get(kind))
	if kind == "interactive":
		return _text(_interactive_reply(body).get("id"))
	if kind == "button":
		return _text(body.get("payload"))
	return None


def _reaction_target(kind: str, raw: dict[str, Any]) -> str | None:
	return _text(_dict(raw.get("reaction")).get("message_id")) if kind == "reaction" else None


def _media(body: dict[str, Any]) -> Media:
	return Media(
		id=_text(body.get("id")),
		mime_type=_text(body.get("mime_type")),
		sha256=_text(body.get("sha256")),
		caption=_text(body.get("caption")),
		filename=_text(body.get("filename")),
	)


def _location(body: dict[str, Any]) -> Location:
	return Location(
		latitude=_number(body.get("latitude")),
		longitude=_number(body.get("longitude")),
		name=_text(body.get("name")),
		address=_text(body.get("address")),
	)


def _status(raw: dict[str, Any], number_id: str | None) -> StatusUpdate | None:
	wamid, status = _text(raw.get("id")), from_meta(_text(raw.get("status")) or "")
	if not wamid or not status:
		return None
	error_code, error_title = _first_error(raw)
	first_error = next(_dicts(raw.get("errors")), {})
	return StatusUpdate(
		wamid=wamid,
		status=status,
		timestamp=_timestamp(raw.get("timestamp")),
		phone_number_id=number_id,
		recipient_id=_text(raw.get("recipient_id")),
		recipient_user_id=_text(raw.get("recipient_user_id")) or _text(raw.get("user_id")),
		callback_data=_text(raw.get("biz_opaque_callback_data")),
		error_code=error_code,
		error_title=error_title,
		error_details=_text(_dict(first_error.get("error_data")).get("details"))
		or _text(first_error.get("message")),
	)


def _first_error(raw: dict[str, Any]) -> tuple[int | None, str | None]:
	error = next(_dicts(raw.get("errors")), {})
	return _integer(error.get("code")), _text(error.get("title")) or _text(error.get("message"))


def _opt_out_from_status(status: StatusUpdate) -> PreferenceChange:
	return PreferenceChange(
		wa_id=status.recipient_id,
		user_id=status.recipient_user_id,
		phone_number_id=status.phone_number_id,
		reason=status.error_title
		or f"Meta error {MetaCode.USER_STOPPED_MARKETING:d}: the user stopped marketing messages",
		source=SOURCE_META,
		timestamp=status.timestamp,
	)


def _read_preferences(value: dict[str, Any], batch: WebhookBatch) -> None:
	number_id = _text(_dict(value.get("metadata")).get("phone_number_id"))
	for raw in _items(value.get("user_preferences")):
		preference = _dict(raw)
		choice = (_text(preference.get("value")) or "").lower()
		wa_id, user_id = _text(preference.get("wa_id")), _text(preference.get("user_id"))
		if choice not in ("stop", "resume") or not (wa_id or user_id):
			batch.skipped += 1
			continue
		change = PreferenceChange(
			wa_id=wa_id,
			user_id=user_id,
			phone_number_id=number_id,
			reason=_text(preference.get("detail")) or f"User chose {choice} for marketing messages",
			source=SOURCE_META,
			timestamp=_timestamp(preference.get("timestamp")),
		)
		(batch.opt_outs if choice == "stop" else batch.opt_ins).append(change)


def _detect_keywords(batch: WebhookBatch, stop: frozenset[str], start: frozenset[str]) -> None:
	"""Inbound texts that are exactly a stop (start) keyword opt the sender out (in)."""
	for message in batch.messages:
		if message.type not in ("text", "button"):
			continue
		word = normalize_keyword(message.text or "")
		target = batch.opt_outs if word in stop else batch.opt_ins if word in start else None
		if target is not None and (message.wa_id or message.user_id):
			target.append(
				PreferenceChange(
					wa_id=message.wa_id,
					user_id=message.user_id,
					phone_number_id=message.phone_number_id,
					reason=f"The customer wrote {message.text.strip()!r}",
					source=SOURCE_KEYWORD,
					timestamp=message.timestamp,
				)
			)


def normalize_keyword(text: str) -> str:
	"""Case-, width- and punctuation-insensitive form of a one-word reply ("Stop!" -> "STOP")."""
	folded = unicodedata.normalize("NFKC", text).strip().strip(".!؟?،,;:").strip().upper()
	return " ".join(folded.split())


def _keyword_set(keywords: Iterable[str]) -> frozenset[str]:
	return frozenset(filter(None, (normalize_keyword(word) for word in keywords)))


def _dict(value: Any) -> dict[str, Any]:
	return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
	return value if isinstance(value, list) else []


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
	return (item for item in _items(value) if isinstance(item, dict))


def _text(value: Any) -> str | None:
	if isinstance(value, bool) or value is None:
		return None
	if isinstance(value, (str, int, float)):
		return str(value).strip() or None
	return None


def _join(*values: Any) -> str | None:
	return "\n".join(text for text in map(_text, values) if text) or None


def _integer(value: Any) -> int | None:
	if isinstance(value, bool):
		return None
	if isinstance(value, int):
		return value
	if isinstance(value, str) and value.strip().isascii():
		try:
			return int(value.strip())
		except ValueError:
			return None
	return None


def _timestamp(value: Any) -> int | None:
	seconds = _integer(value)
	return seconds if seconds is not None and 0 <= seconds < 10**11 else None


def _number(value: Any) -> float | None:
	if isinstance(value, bool):
		return None
	try:
		return float(value) if isinstance(value, (int, float, str)) else None
	except ValueError:
		return None
