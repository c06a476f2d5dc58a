"""What an outbound message is, and the rules it must pass before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.formatting import html_to_whatsapp, looks_like_html
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.media import is_file_url
from whatsapp_integration.core.vocabulary import MessageType, TemplateButtonKind, TemplateParameterKind

if TYPE_CHECKING:
	from whatsapp_integration.core.interactive import Interactive

MAX_TEXT_LENGTH = 4096
# Desk HTML around a full-length message; longer input is refused before any parsing.
MAX_MARKUP_LENGTH = 16 * MAX_TEXT_LENGTH
MAX_TEMPLATE_PARAMETER_LENGTH = 1024
MAX_CAPTION_LENGTH = 1024
MAX_HEADER_PARAMETER_LENGTH = 60
MAX_COUPON_CODE_LENGTH = 15
MAX_TEMPLATE_BUTTONS = 10
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
_MEDIA_ID = re.compile(r"^[0-9]{1,40}$")
HEADER_MEDIA_KINDS = (MessageType.IMAGE, MessageType.VIDEO, MessageType.DOCUMENT)
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
# Unicode category Cc (C0 and C1 controls) except tab and newline.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Media:
	"""A file to send, from exactly one source: `link` (a public http(s) URL Meta fetches),
	`media_id` (already uploaded to Meta) or `file_url` (a Frappe File URL, public or private: the
	Cloud API sender uploads it, once per file content and device for Meta's media lifetime)."""

	kind: str
	link: str = ""
	caption: str | None = None
	filename: str | None = None
	media_id: str | None = None
	file_url: str | None = None


@dataclass(frozen=True)
class Parameter:
	"""The value of one template variable. `text` is the value; for `currency` and `date_time` it
	is the text shown where the phone cannot format the value (Meta's `fallback_value`). `name` is
	the variable's name in a template with named variables ({{first_name}})."""

	text: str
	name: str | None = None
	kind: str = TemplateParameterKind.TEXT
	currency_code: str | None = None  # ISO 4217 (currency only)
	amount_1000: int | None = None  # the amount times 1000 (currency only)


@dataclass(frozen=True)
class TemplateButton:
	"""The send-time value of the template button at `index` (its position among the template's
	buttons): a URL button's dynamic suffix, a quick-reply button's payload, a copy-code coupon."""

	index: int
	sub_type: str
	value: str


@dataclass(frozen=True)
class Template:
	"""An approved template to send. `parameters` fill the body's variables: plain strings fill
	{{1}}, {{2}}, ... in order, `Parameter`s also carry a name (named variables) or a type
	(currency, date_time). The header is `header_text` (its one variable) or `header_media` (an
	image, video or document header); `buttons` give button parameters."""

	name: str
	language: str = "en_US"
	parameters: tuple[str | Parameter, ...] = ()
	header_media: Media | None = None
	header_text: str | Parameter | None = None
	buttons: tuple[TemplateButton, ...] = ()

	def body(self) -> tuple[Parameter, ...]:
		"""The body parameters as `Parameter`s."""
		return tuple(as_parameter(value) for value in self.parameters)

	def header_parameter(self) -> Parameter | None:
		return None if self.header_text is None else as_parameter(self.header_text)


def as_parameter(value: str | Parameter) -> Parameter:
	return value if isinstance(value, Parameter) else Parameter(value)


@dataclass(frozen=True)
class OutboundMessage:
	"""A send request, before validation. `to` is as the user typed it."""

	to: str
	message_type: str = MessageType.TEXT
	text: str | None = None
	template: Template | None = None
	media: Media | None = None
	interactive: Interactive | None = None
	device: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	idempotency_key: str | None = None
	callback_data: str | None = None
	requested_by: str | None = None
	extra: dict[str, str] = field(default_factory=dict)
	reply_to: str | None = None  # the WhatsApp id (wamid) of the message this one answers


def clean_text(text: str | None, blocked_phrases: tuple[str, ...] = ()) -> str:
	"""Return the text as it will be sent (desk HTML becomes WhatsApp formatting), or raise.
	The length is checked before the text is looked at for HTML, and again after conversion."""
	text = text or ""
	if len(text) > MAX_MARKUP_LENGTH:
		raise _too_long(len(text))
	body = html_to_whatsapp(text) if looks_like_html(text) else text
	body = body.replace("\r\n", "\n").strip()
	if not body:
		raise InvalidMessage(_("The message is empty. Write the text to send."))
	if len(body) > MAX_TEXT_LENGTH:
		raise _too_long(len(body))
	reject_control_characters(body, _("The message"))
	_reject_blocked_phrases(body, blocked_phrases)
	return body


def _too_long(length: int) -> InvalidMessage:
	return InvalidMessage(
		_(
			"The message is {length:,} characters long; WhatsApp allows at most {limit:,}. "
			"Shorten it by {excess:,} characters."
		).format(length=length, limit=MAX_TEXT_LENGTH, excess=length - MAX_TEXT_LENGTH)
	)


def check_template(template: Template | None) -> Template:
	if template is None or not template.name:
		raise InvalidMessage(_("Choose the template to send."))
	if not _TEMPLATE_NAME.match(template.name):
		raise InvalidMessage(
			_(
				"{name!r} is not a template name: Meta's names use only lowercase letters, digits and _."
			).format(name=template.name)
		)
	if not _LANGUAGE_CODE.match(template.language or ""):
		raise InvalidMessage(
			_("{language!r} is not a language code like en or en_US.").format(language=template.language)
		)
	body = template.body()
	for position, parameter in enumerate(body, start=1):
		check_parameter(
			parameter,
			_("Template parameter {placeholder}").format(placeholder=f"{{{{{parameter.name or position}}}}}"),
		)
	if len({parameter.name is None for parameter in body}) > 1:
		raise InvalidMessage(
			_("Name every template parameter or none: a template's variables are all named or all numbered.")
		)
	_check_header(template)
	_check_buttons(template.buttons)
	return template


def check_parameter(parameter: Parameter, what: str, max_length: int = MAX_TEMPLATE_PARAMETER_LENGTH) -> None:
	_check_value(parameter.text, what, max_length)
	if parameter.kind not in tuple(TemplateParameterKind):
		raise InvalidMessage(
			_("{what} has type {kind!r}; use one of {kinds}.").format(
				what=what, kind=parameter.kind, kinds=", ".join(TemplateParameterKind)
			)
		)
	if parameter.kind == TemplateParameterKind.CURRENCY:
		if not _CURRENCY_CODE.match(parameter.currency_code or ""):
			raise InvalidMessage(
				_("{what} is a currency: give its ISO 4217 code, like USD or INR.").format(what=what)
			)
		if not isinstance(parameter.amount_1000, int) or isinstance(parameter.amount_1000, bool):
			raise InvalidMessage(
				_(
					"{what} is a currency: give its amount times 1000 as a whole number (12.34 is 12340)."
				).format(what=what)
			)
	elif parameter.currency_code or parameter.amount_1000 is not None:
		raise InvalidMessage(
			_("{what} is of type {kind}; only a currency has a code and an amount.").format(
				what=what, kind=parameter.kind
			)
		)


def _check_header(template: Template) -> None:
	if template.header_media is not None and template.header_text is not None:
		raise InvalidMessage(_("A template header is text or media, not both."))
	if template.header_media is not None:
		check_media(template.header_media, HEADER_MEDIA_KINDS)
	header = template.header_parameter()
	if header is not None:
		check_parameter(header, _("The header parameter"), MAX_HEADER_PARAMETER_LENGTH)
		if header.kind != TemplateParameterKind.TEXT:
			raise InvalidMessage(_("The header parameter must be text."))


def _check_buttons(buttons: tuple[TemplateButton, ...]) -> None:
	indexes = [button.index for button in buttons]
	if len(set(indexes)) != len(indexes):
		raise InvalidMessage(_("Give each template button's parameter once (two have the same index)."))
	for button in buttons:
		what = _("Button {position}").format(
			position=button.index + 1 if isinstance(button.index, int) else repr(button.index)
		)
		if (
			not isinstance(button.index, int)
			or isinstance(button.index, bool)
			or not 0 <= button.index < MAX_TEMPLATE_BUTTONS
		):
			raise InvalidMessage(
				_("{what}: a button index is its position among the template's buttons, 0 to {last}.").format(
					what=what, last=MAX_TEMPLATE_BUTTONS - 1
				)
			)
		if button.sub_type not in tuple(TemplateButtonKind):
			raise InvalidMessage(
				_("{what} is of type {kind!r}; use one of {kinds}.").format(
					what=what, kind=button.sub_type, kinds=", ".join(TemplateButtonKind)
				)
			)
		limit = (
			MAX_COUPON_CODE_LENGTH
			if button.sub_type == TemplateButtonKind.COPY_CODE
			else MAX_TEMPLATE_PARAMETER_LENGTH
		)
		_check_value(button.value, _("{what} ({kind})").format(what=what, kind=button.sub_type), limit)


def check_media(media: Media | None, kinds: tuple[str, ...] = ()) -> Media:
	"""`media` when it names one source (link, media id or Frappe File URL) of a media kind."""
	kinds = kinds or MessageType.media()
	if media is None or media.kind not in kinds:
		kind = media.kind if media else None
		raise InvalidMessage(
			_("{kind!r} is not a media type; use one of {kinds}.").format(kind=kind, kinds=", ".join(kinds))
		)
	sources = [source for source in (media.link, media.media_id, media.file_url) if source]
	if len(sources) != 1:
		raise InvalidMessage(
			_("Give the media exactly one source: a public link, a media id or a file (Frappe File URL).")
		)
	if media.link:
		parsed = urlparse(media.link)
		if parsed.scheme not in ("http", "https") or not parsed.netloc:
			raise InvalidMessage(
				_("The media link {link!r} must be a public http(s) URL.").format(link=media.link)
			)
	if media.file_url and not is_file_url(media.file_url):
		raise InvalidMessage(
			_(
				"{file_url!r} is not a file of this site; give a File URL like /private/files/invoice.pdf."
			).format(file_url=media.file_url)
		)
	if media.media_id and not _MEDIA_ID.match(media.media_id):
		raise InvalidMessage(
			_("{media_id!r} is not a media id Meta returned (digits).").format(media_id=media.media_id)
		)
	if media.caption and len(media.caption) > MAX_CAPTION_LENGTH:
		raise InvalidMessage(
			_("The caption is longer than {limit:,} characters.").format(limit=MAX_CAPTION_LENGTH)
		)
	return media


def check_message_type(message_type: str) -> str:
	if message_type not in tuple(MessageType):
		raise InvalidMessage(
			_("{message_type!r} is not a message type; use one of {types}.").format(
				message_type=message_type, types=", ".join(MessageType)
			)
		)
	return message_type


def _check_value(value: str, what: str, max_length: int) -> None:
	if not isinstance(value, str) or not value.strip():
		raise InvalidMessage(_("{what} is empty; WhatsApp rejects empty values.").format(what=what))
	if len(value) > max_length:
		raise InvalidMessage(
			_("{what} is longer than {limit:,} characters.").format(what=what, limit=max_length)
		)
	reject_control_characters(value, what)


def reject_control_characters(text: str, what: str) -> None:
	found = _CONTROL_CHARACTER.search(text)
	if found:
		raise InvalidMessage(
			_(
				"{what} contains an invisible control character (U+{code:04X}) at position "
				"{position}. Remove it and try again."
			).format(what=what, code=ord(found.group()), position=found.start() + 1)
		)


def _reject_blocked_phrases(text: str, blocked_phrases: tuple[str, ...]) -> None:
	lowered = text.casefold()
	for phrase in blocked_phrases:
		if phrase.casefold() in lowered:
			raise InvalidMessage(
				_(
					"The message contains {phrase!r}, which is blocked in WhatsApp Integration Settings."
				).format(phrase=phrase)
			)
