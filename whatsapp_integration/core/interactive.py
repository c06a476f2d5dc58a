"""Interactive messages (reply buttons, list, CTA URL) and Meta's limits on them, checked before
anything is stored or sent. They are free-form: the outbox sends them only inside the customer's
24 h window (core/window.py). A customer's choice arrives as an inbound message with the chosen
button or row id (Message Log `reply_id`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.message import Media, check_media, reject_control_characters
from whatsapp_integration.core.vocabulary import InteractiveKind, MessageType

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_BUTTON = 20
MAX_SECTIONS = 10
MAX_ROWS = 10  # in all sections together
MAX_SECTION_TITLE = 24
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_BODY = 1024
MAX_LIST_BODY = 4096
MAX_HEADER = 60
MAX_FOOTER = 60
MAX_DISPLAY_TEXT = 20
MAX_URL = 2000
HEADER_MEDIA_KINDS = (MessageType.IMAGE, MessageType.VIDEO, MessageType.DOCUMENT)


@dataclass(frozen=True)
class ReplyButton:
	id: str
	title: str


@dataclass(frozen=True)
class ListRow:
	id: str
	title: str
	description: str | None = None


@dataclass(frozen=True)
class ListSection:
	rows: tuple[ListRow, ...]
	title: str | None = None


@dataclass(frozen=True)
class Interactive:
	"""One interactive message. `kind` decides which parts it has: `buttons` (button), `button`
	(the list's menu label) and `sections` (list), `display_text` and `url` (cta_url). A list
	takes a text header only; buttons and CTA URL also a media header."""

	kind: str
	body: str
	header_text: str | None = None
	header_media: Media | None = None
	footer: str | None = None
	buttons: tuple[ReplyButton, ...] = ()
	button: str | None = None
	sections: tuple[ListSection, ...] = ()
	display_text: str | None = None
	url: str | None = None


def check_interactive(message: Interactive | None) -> Interactive:
	"""`message` when Meta would take it; otherwise `InvalidMessage` saying what to change."""
	if message is None or message.kind not in tuple(InteractiveKind):
		kind = message.kind if message else None
		raise InvalidMessage(
			f"{kind!r} is not an interactive message type; use one of {', '.join(InteractiveKind)}."
		)
	_check_frame(message)
	if message.kind == InteractiveKind.BUTTON:
		_check_buttons(message.buttons)
	elif message.kind == InteractiveKind.LIST:
		_check_list(message)
	else:
		_check_cta(message)
	return message


def _check_frame(message: Interactive) -> None:
	body_limit = MAX_LIST_BODY if message.kind == InteractiveKind.LIST else MAX_BODY
	_text(message.body, "The body", body_limit)
	if message.header_text is not None:
		_text(message.header_text, "The header", MAX_HEADER)
	if message.header_media is not None:
		if message.kind == InteractiveKind.LIST:
			raise InvalidMessage("A list message takes a text header only.")
		if message.header_text is not None:
			raise InvalidMessage("The header is text or media, not both.")
		check_media(message.header_media, HEADER_MEDIA_KINDS)
	if message.footer is not None:
		_text(message.footer, "The footer", MAX_FOOTER)


def _check_buttons(buttons: tuple[ReplyButton, ...]) -> None:
	if not 1 <= len(buttons) <= MAX_BUTTONS:
		raise InvalidMessage(f"Reply buttons: give 1 to {MAX_BUTTONS} buttons, not {len(buttons)}.")
	for position, button in enumerate(buttons, start=1):
		_text(button.title, f"Button {position}'s title", MAX_BUTTON_TITLE)
		_text(button.id, f"Button {position}'s id", MAX_BUTTON_ID)
	_unique([button.id for button in buttons], "button id")
	_unique([button.title for button in buttons], "button title")


def _check_list(message: Interactive) -> None:
	_text(message.button or "", "The list's button", MAX_LIST_BUTTON)
	sections = message.sections
	if not 1 <= len(sections) <= MAX_SECTIONS:
		raise InvalidMessage(f"A list has 1 to {MAX_SECTIONS} sections, not {len(sections)}.")
	rows = [row for section in sections for row in section.rows]
	if not 1 <= len(rows) <= MAX_ROWS:
		raise InvalidMessage(
			f"A list has 1 to {MAX_ROWS} rows in all its sections together, not {len(rows)}."
		)
	for number, section in enumerate(sections, start=1):
		if not section.rows:
			raise InvalidMessage(f"Section {number} has no rows.")
		if section.title is not None or len(sections) > 1:
			_text(section.title or "", f"Section {number}'s title", MAX_SECTION_TITLE)
	for number, row in enumerate(rows, start=1):
		_text(row.title, f"Row {number}'s title", MAX_ROW_TITLE)
		_text(row.id, f"Row {number}'s id", MAX_ROW_ID)
		if row.description is not None:
			_text(row.description, f"Row {number}'s description", MAX_ROW_DESCRIPTION)
	_unique([row.id for row in rows], "row id")


def _check_cta(message: Interactive) -> None:
	_text(message.display_text or "", "The button text", MAX_DISPLAY_TEXT)
	parsed = urlparse(message.url or "")
	if parsed.scheme not in ("http", "https") or not parsed.netloc or len(message.url or "") > MAX_URL:
		raise InvalidMessage(
			f"The button's URL {message.url!r} must be an http(s) URL of at most {MAX_URL} characters."
		)


def _text(value: str, what: str, limit: int) -> None:
	if not isinstance(value, str) or not value.strip():
		raise InvalidMessage(f"{what} is empty.")
	if len(value) > limit:
		raise InvalidMessage(
			f"{what} has {len(value)} characters; WhatsApp allows at most {limit}. Shorten it."
		)
	reject_control_characters(value, what)


def _unique(values: list[str], what: str) -> None:
	seen: set[str] = set()
	for value in values:
		if value in seen:
			raise InvalidMessage(f"Each {what} must be different; {value!r} appears twice.")
		seen.add(value)
