"""Interactive messages (reply buttons, list, CTA URL) and Meta's limits on them, checked before
anything is stored or sent. They are free-form: the outbox sends them only inside the customer's
24 h window (core/window.py). A customer's choice arrives as an inbound message with the chosen
button or row id (Message Log `reply_id`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
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
			_("{kind!r} is not an interactive message type; use one of {kinds}.").format(
				kind=kind, kinds=", ".join(InteractiveKind)
			)
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
	_text(message.body, _("The body"), body_limit)
	if message.header_text is not None:
		_text(message.header_text, _("The header"), MAX_HEADER)
	if message.header_media is not None:
		if message.kind == InteractiveKind.LIST:
			raise InvalidMessage(_("A list message takes a text header only."))
		if message.header_text is not None:
			raise InvalidMessage(_("The header is text or media, not both."))
		check_media(message.header_media, HEADER_MEDIA_KINDS)
	if message.footer is not None:
		_text(message.footer, _("The footer"), MAX_FOOTER)


def _check_buttons(buttons: tuple[ReplyButton, ...]) -> None:
	if not 1 <= len(buttons) <= MAX_BUTTONS:
		raise InvalidMessage(
			_("Reply buttons: give 1 to {limit} buttons, not {count}.").format(
				limit=MAX_BUTTONS, count=len(buttons)
			)
		)
	for position, button in enumerate(buttons, start=1):
		_text(button.title, _("Button {position}'s title").format(position=position), MAX_BUTTON_TITLE)
		_text(button.id, _("Button {position}'s id").format(position=position), MAX_BUTTON_ID)
	_unique([button.id for button in buttons], _("button id"))
	_unique([button.title for button in buttons], _("button title"))


def _check_list(message: Interactive) -> None:
	_text(message.button or "", _("The list's button"), MAX_LIST_BUTTON)
	sections = message.sections
	if not 1 <= len(sections) <= MAX_SECTIONS:
		raise InvalidMessage(
			_("A list has 1 to {limit} sections, not {count}.").format(
				limit=MAX_SECTIONS, count=len(sections)
			)
		)
	rows = [row for section in sections for row in section.rows]
	if not 1 <= len(rows) <= MAX_ROWS:
		raise InvalidMessage(
			_("A list has 1 to {limit} rows in all its sections together, not {count}.").format(
				limit=MAX_ROWS, count=len(rows)
			)
		)
	for number, section in enumerate(sections, start=1):
		if not section.rows:
			raise InvalidMessage(_("Section {number} has no rows.").format(number=number))
		if section.title is not None or len(sections) > 1:
			_text(section.title or "", _("Section {number}'s title").format(number=number), MAX_SECTION_TITLE)
	for number, row in enumerate(rows, start=1):
		_text(row.title, _("Row {number}'s title").format(number=number), MAX_ROW_TITLE)
		_text(row.id, _("Row {number}'s id").format(number=number), MAX_ROW_ID)
		if row.description is not None:
			_text(row.description, _("Row {number}'s description").format(number=number), MAX_ROW_DESCRIPTION)
	_unique([row.id for row in rows], _("row id"))


def _check_cta(message: Interactive) -> None:
	_text(message.display_text or "", _("The button text"), MAX_DISPLAY_TEXT)
	parsed = urlparse(message.url or "")
	if parsed.scheme not in ("http", "https") or not parsed.netloc or len(message.url or "") > MAX_URL:
		raise InvalidMessage(
			_("The button's URL {url!r} must be an http(s) URL of at most {limit} characters.").format(
				url=message.url, limit=MAX_URL
			)
		)


def _text(value: str, what: str, limit: int) -> None:
	if not isinstance(value, str) or not value.strip():
		raise InvalidMessage(_("{what} is empty.").format(what=what))
	if len(value) > limit:
		raise InvalidMessage(
			_("{what} has {length} characters; WhatsApp allows at most {limit}. Shorten it.").format(
				what=what, length=len(value), limit=limit
			)
		)
	reject_control_characters(value, what)


def _unique(values: list[str], what: str) -> None:
	seen: set[str] = set()
	for value in values:
		if value in seen:
			raise InvalidMessage(
				_("Each {what} must be different; {value!r} appears twice.").format(what=what, value=value)
			)

		seen.add(value)
