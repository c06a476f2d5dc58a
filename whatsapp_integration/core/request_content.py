"""Rich content as callers send it (decoded JSON of the send API, the dialog and campaigns) turned
into the core's records, with an error that names the part to fix. Each reader takes what
`json.loads` gives (lists, dicts, strings, numbers) and nothing else."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.interactive import Interactive, ListRow, ListSection, ReplyButton
from whatsapp_integration.core.message import Media, Parameter, TemplateButton

_MEDIA_SOURCES = ("link", "media_id", "file_url")


def parameters_from(value: Any) -> tuple[str | Parameter, ...]:
	"""Body parameters: a list of values ({{1}}, {{2}}, ...), a list of parameter objects
	(`{"text", "name"?, "type"?, "currency_code"?, "amount_1000"?}`) or an object of named values
	(`{"first_name": "Ada"}`)."""
	if value in (None, "", [], {}):
		return ()
	if isinstance(value, dict):
		return tuple(_parameter(item, str(name)) for name, item in value.items())
	if not isinstance(value, list):
		raise InvalidMessage(
			_('Template parameters must be a list (["Ada", "42"]) or an object ({"name": "Ada"}).')
		)
	return tuple(item if isinstance(item, str) else _parameter(item) for item in value)


def header_from(value: Any) -> tuple[Media | None, str | Parameter | None]:
	"""A template header: `{"text": "..."}` (its one variable) or media
	`{"type": "document", "file_url" | "link" | "media_id": ..., "filename"?}`."""
	if value in (None, "", {}):
		return None, None
	if isinstance(value, str):
		return None, value
	values = _object(value, _("The template header"))
	if "text" in values:
		return None, _parameter(values)
	return media_from(values, _("The template header")), None


def media_from(values: Any, what: str = _("The media")) -> Media:
	"""`{"type": kind, "file_url" | "link" | "media_id": ..., "caption"?, "filename"?}`."""
	values = _object(values, what)
	kind = values.get("type") or values.get("kind")
	if not isinstance(kind, str) or not kind:
		raise InvalidMessage(
			_("{what} needs a type: image, video, document, audio or sticker.").format(what=what)
		)
	sources = {key: _text(values.get(key)) for key in _MEDIA_SOURCES}
	return Media(
		kind,
		sources["link"] or "",
		caption=_text(values.get("caption")),
		filename=_text(values.get("filename")),
		media_id=sources["media_id"],
		file_url=sources["file_url"],
	)


def buttons_from(value: Any) -> tuple[TemplateButton, ...]:
	"""Template button parameters: `[{"index": 0, "sub_type": "url", "value": "INV-1"}, ...]`."""
	if value in (None, "", []):
		return ()
	if not isinstance(value, list):
		raise InvalidMessage(
			_('Template buttons must be a list like [{"index": 0, "sub_type": "url", "value": "INV-1"}].')
		)
	buttons = []
	for position, item in enumerate(value, start=1):
		values = _object(item, _("Template button {position}").format(position=position))
		index = values.get("index")
		if isinstance(index, str) and index.isdigit():
			index = int(index)
		buttons.append(
			TemplateButton(index, str(values.get("sub_type") or values.get("type") or ""), _value(values))
		)
	return tuple(buttons)


def interactive_from(value: Any) -> Interactive:
	"""An interactive message as Meta-like JSON: `{"type": "button" | "list" | "cta_url", "body",
	"header"?, "footer"?, "buttons"?, "button"?, "sections"?, "display_text"?, "url"?}`."""
	values = _object(value, _("The interactive message"))
	header = values.get("header")
	header_text, header_media = None, None
	if isinstance(header, str):
		header_text = header
	elif isinstance(header, dict):
		if "text" in header:
			header_text = _text(header.get("text"))
		else:
			header_media = media_from(header, _("The header"))
	return Interactive(
		str(values.get("type") or values.get("kind") or ""),
		str(values.get("body") or ""),
		header_text=header_text,
		header_media=header_media,
		footer=_text(values.get("footer")),
		buttons=tuple(_reply_button(item) for item in _list(values.get("buttons"), "buttons")),
		button=_text(values.get("button")),
		sections=tuple(_section(item) for item in _list(values.get("sections"), "sections")),
		display_text=_text(values.get("display_text")),
		url=_text(values.get("url")),
	)


def _parameter(value: Any, name: str | None = None) -> Parameter:
	if isinstance(value, (str, int, float)) and not isinstance(value, bool):
		return Parameter(str(value), name)
	values = _object(
		value, _("Template parameter {name}").format(name=name) if name else _("Template parameter")
	)
	amount = values.get("amount_1000")
	return Parameter(
		str(values.get("text") if values.get("text") is not None else values.get("fallback_value") or ""),
		_text(values.get("name") or values.get("parameter_name")) or name,
		str(values.get("type") or "text"),
		_text(values.get("currency_code") or values.get("code")),
		int(amount) if isinstance(amount, (int, float)) and not isinstance(amount, bool) else amount,
	)


def _reply_button(value: Any) -> ReplyButton:
	values = _object(value, _("A reply button"))
	return ReplyButton(str(values.get("id") or ""), str(values.get("title") or ""))


def _section(value: Any) -> ListSection:
	values = _object(value, _("A list section"))
	rows = tuple(
		ListRow(str(row.get("id") or ""), str(row.get("title") or ""), _text(row.get("description")))
		for row in (_object(item, _("A list row")) for item in _list(values.get("rows"), "rows"))
	)
	return ListSection(rows, _text(values.get("title")))


def _value(values: dict[str, Any]) -> str:
	for key in ("value", "text", "payload", "coupon_code"):
		if values.get(key) is not None:
			return str(values[key])
	return ""


def _object(value: Any, what: str) -> dict[str, Any]:
	if not isinstance(value, dict):
		raise InvalidMessage(_("{what} must be an object (JSON {{...}}).").format(what=what))
	return value


def _list(value: Any, what: str) -> list[Any]:
	if value in (None, ""):
		return []
	if not isinstance(value, list):
		raise InvalidMessage(_("The {field} must be a list.").format(field=what))

	return value


def _text(value: Any) -> str | None:
	return None if value in (None, "") else str(value)
