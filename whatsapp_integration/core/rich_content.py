"""How a message's rich content (template components, interactive parts) is kept on its Message Log
row (`rich_content`, JSON), so every send attempt rebuilds the very message the caller asked for."""

from __future__ import annotations

import dataclasses
from typing import Any

from whatsapp_integration.core.interactive import Interactive, ListRow, ListSection, ReplyButton
from whatsapp_integration.core.message import Media, Parameter, Template, TemplateButton


def template_content(template: Template) -> dict[str, Any] | None:
	"""The parts of `template` the Message Log's template columns do not hold (None: none).
	The body goes here only when it has names or types; plain values are `template_params`."""
	content: dict[str, Any] = {}
	if template.header_media is not None:
		content["header_media"] = _compact(template.header_media)
	header = template.header_parameter()
	if header is not None:
		content["header_text"] = _compact(header)
	body = template.body()
	if any(parameter != Parameter(parameter.text) for parameter in body):
		content["body"] = [_compact(parameter) for parameter in body]
	if template.buttons:
		content["buttons"] = [dataclasses.asdict(button) for button in template.buttons]
	return content or None


def template_from(
	name: str, language: str, parameters: list[str], content: dict[str, Any] | None
) -> Template:
	"""The `Template` stored as `name`, `language`, body `parameters` and `template_content`."""
	content = content or {}
	header_media, header_text = content.get("header_media"), content.get("header_text")
	body = content.get("body")
	return Template(
		name,
		language,
		tuple(_build(Parameter, value) for value in body) if body else tuple(parameters),
		header_media=_build(Media, header_media) if header_media else None,
		header_text=_build(Parameter, header_text) if header_text else None,
		buttons=tuple(_build(TemplateButton, button) for button in content.get("buttons") or ()),
	)


def interactive_content(message: Interactive) -> dict[str, Any]:
	return {"interactive": _compact(message)}


def interactive_from(content: dict[str, Any] | None) -> Interactive:
	values = dict((content or {}).get("interactive") or {})
	if values.get("header_media"):
		values["header_media"] = _build(Media, values["header_media"])
	values["buttons"] = tuple(_build(ReplyButton, button) for button in values.get("buttons") or ())
	values["sections"] = tuple(
		ListSection(tuple(_build(ListRow, row) for row in section.get("rows") or ()), section.get("title"))
		for section in values.get("sections") or ()
	)
	return _build(Interactive, values)


def _compact(value: Any) -> Any:
	"""A dataclass as a dict without its empty members (nested ones too)."""
	if dataclasses.is_dataclass(value):
		value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
	if isinstance(value, dict):
		return {key: _compact(item) for key, item in value.items() if item not in (None, "", (), [])}
	if isinstance(value, (list, tuple)):
		return [_compact(item) for item in value]
	return value


def _build(cls: type, values: dict[str, Any]) -> Any:
	names = {field.name for field in dataclasses.fields(cls)}
	return cls(**{key: value for key, value in values.items() if key in names})
