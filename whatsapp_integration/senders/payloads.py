"""The Cloud API's `template` and `interactive` objects, exactly as Meta documents them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whatsapp_integration.core.interactive import Interactive, ListSection
from whatsapp_integration.core.message import Media, Parameter, Template, TemplateButton
from whatsapp_integration.core.vocabulary import InteractiveKind, TemplateButtonKind, TemplateParameterKind

# The media object of a header: {"id"} or {"link"} (+ filename of a document), no caption.
HeaderMedia = Callable[[Media], dict[str, str]]
_BUTTON_PARAMETER = {
	TemplateButtonKind.URL: "text",
	TemplateButtonKind.QUICK_REPLY: "payload",
	TemplateButtonKind.COPY_CODE: "coupon_code",
}


def template_object(template: Template, header_media: HeaderMedia) -> dict[str, Any]:
	body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
	components = []
	if template.header_media is not None:
		media = template.header_media
		header = [{"type": media.kind, media.kind: header_media(media)}]
		components.append({"type": "header", "parameters": header})
	header_text = template.header_parameter()
	if header_text is not None:
		components.append({"type": "header", "parameters": [parameter_object(header_text)]})
	if template.parameters:
		parameters = [parameter_object(parameter) for parameter in template.body()]
		components.append({"type": "body", "parameters": parameters})
	components += [_button(button) for button in sorted(template.buttons, key=lambda b: b.index)]
	if components:
		body["components"] = components
	return body


def parameter_object(parameter: Parameter) -> dict[str, Any]:
	"""A body or header parameter: text, currency or date_time, named when it has a name."""
	value: dict[str, Any] = {"type": parameter.kind}
	if parameter.name:
		value["parameter_name"] = parameter.name
	if parameter.kind == TemplateParameterKind.CURRENCY:
		value["currency"] = {
			"fallback_value": parameter.text,
			"code": parameter.currency_code,
			"amount_1000": parameter.amount_1000,
		}
	elif parameter.kind == TemplateParameterKind.DATE_TIME:
		value["date_time"] = {"fallback_value": parameter.text}
	else:
		value["text"] = parameter.text
	return value


def _button(button: TemplateButton) -> dict[str, Any]:
	kind = _BUTTON_PARAMETER[TemplateButtonKind(button.sub_type)]
	return {
		"type": "button",
		"sub_type": button.sub_type,
		"index": str(button.index),
		"parameters": [{"type": kind, kind: button.value}],
	}


def interactive_object(message: Interactive, header_media: HeaderMedia) -> dict[str, Any]:
	body: dict[str, Any] = {"type": message.kind}
	if message.header_text is not None:
		body["header"] = {"type": "text", "text": message.header_text}
	elif message.header_media is not None:
		media = message.header_media
		body["header"] = {"type": media.kind, media.kind: header_media(media)}
	body["body"] = {"text": message.body}
	if message.footer is not None:
		body["footer"] = {"text": message.footer}
	body["action"] = _action(message)
	return body


def _action(message: Interactive) -> dict[str, Any]:
	if message.kind == InteractiveKind.BUTTON:
		buttons = [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in message.buttons]
		return {"buttons": buttons}
	if message.kind == InteractiveKind.LIST:
		return {"button": message.button, "sections": [_section(section) for section in message.sections]}
	return {"name": "cta_url", "parameters": {"display_text": message.display_text, "url": message.url}}


def _section(section: ListSection) -> dict[str, Any]:
	rows = []
	for row in section.rows:
		value = {"id": row.id, "title": row.title}
		if row.description:
			value["description"] = row.description
		rows.append(value)
	return {"title": section.title, "rows": rows} if section.title else {"rows": rows}
