"""What an outbound message is, and the rules it must pass before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.formatting import html_to_whatsapp, looks_like_html
from whatsapp_integration.core.vocabulary import MessageType

MAX_TEXT_LENGTH = 4096
# Desk HTML around a full-length message; longer input is refused before any parsing.
MAX_MARKUP_LENGTH = 16 * MAX_TEXT_LENGTH
MAX_TEMPLATE_PARAMETER_LENGTH = 1024
MAX_CAPTION_LENGTH = 1024
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
# Unicode category Cc (C0 and C1 controls) except tab and newline.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Template:
	name: str
	language: str = "en_US"
	parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Media:
	kind: str
	link: str
	caption: str | None = None
	filename: str | None = None


@dataclass(frozen=True)
class OutboundMessage:
	"""A send request, before validation. `to` is as the user typed it."""

	to: str
	message_type: str = MessageType.TEXT
	text: str | None = None
	template: Template | None = None
	media: Media | None = None
	device: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	idempotency_key: str | None = None
	callback_data: str | None = None
	requested_by: str | None = None
	extra: dict[str, str] = field(default_factory=dict)


def clean_text(text: str | None, blocked_phrases: tuple[str, ...] = ()) -> str:
	"""Return the text as it will be sent (desk HTML becomes WhatsApp formatting), or raise.
	The length is checked before the text is looked at for HTML, and again after conversion."""
	text = text or ""
	if len(text) > MAX_MARKUP_LENGTH:
		raise _too_long(len(text))
	body = html_to_whatsapp(text) if looks_like_html(text) else text
	body = body.replace("\r\n", "\n").strip()
	if not body:
		raise InvalidMessage("The message is empty. Write the text to send.")
	if len(body) > MAX_TEXT_LENGTH:
		raise _too_long(len(body))
	_reject_control_characters(body, "The message")
	_reject_blocked_phrases(body, blocked_phrases)
	return body


def _too_long(length: int) -> InvalidMessage:
	return InvalidMessage(
		f"The message is {length:,} characters long; WhatsApp allows at most {MAX_TEXT_LENGTH:,}. "
		f"Shorten it by {length - MAX_TEXT_LENGTH:,} characters."
	)


def check_template(template: Template | None) -> Template:
	if template is None or not template.name:
		raise InvalidMessage("Choose the template to send.")
	if not _TEMPLATE_NAME.match(template.name):
		raise InvalidMessage(
			f"{template.name!r} is not a template name: Meta's names use only lowercase letters, digits and _."
		)
	if not _LANGUAGE_CODE.match(template.language or ""):
		raise InvalidMessage(f"{template.language!r} is not a language code like en or en_US.")
	for position, value in enumerate(template.parameters, start=1):
		_check_parameter(position, value)
	return template


def check_media(media: Media | None) -> Media:
	if media is None or media.kind not in MessageType.media():
		kind = media.kind if media else None
		raise InvalidMessage(f"{kind!r} is not a media type; use one of {', '.join(MessageType.media())}.")
	parsed = urlparse(media.link or "")
	if parsed.scheme not in ("http", "https") or not parsed.netloc:
		raise InvalidMessage(f"The media link {media.link!r} must be a public http(s) URL.")
	if media.caption and len(media.caption) > MAX_CAPTION_LENGTH:
		raise InvalidMessage(f"The caption is longer than {MAX_CAPTION_LENGTH:,} characters.")
	return media


def check_message_type(message_type: str) -> str:
	if message_type not in tuple(MessageType):
		raise InvalidMessage(f"{message_type!r} is not a message type; use one of {', '.join(MessageType)}.")
	return message_type


def _check_parameter(position: int, value: str) -> None:
	if not isinstance(value, str) or not value.strip():
		raise InvalidMessage(
			f"Template parameter {{{{{position}}}}} is empty; WhatsApp rejects empty values."
		)
	if len(value) > MAX_TEMPLATE_PARAMETER_LENGTH:
		raise InvalidMessage(
			f"Template parameter {{{{{position}}}}} is longer than {MAX_TEMPLATE_PARAMETER_LENGTH:,} characters."
		)
	_reject_control_characters(value, f"Template parameter {{{{{position}}}}}")


def _reject_control_characters(text: str, what: str) -> None:
	found = _CONTROL_CHARACTER.search(text)
	if found:
		raise InvalidMessage(
			f"{what} contains an invisible control character (U+{ord(found.group()):04X}) at position "
			f"{found.start() + 1}. Remove it and try again."
		)


def _reject_blocked_phrases(text: str, blocked_phrases: tuple[str, ...]) -> None:
	lowered = text.casefold()
	for phrase in blocked_phrases:
		if phrase.casefold() in lowered:
			raise InvalidMessage(
				f"The message contains {phrase!r}, which is blocked in WhatsApp Integration Settings."
			)
