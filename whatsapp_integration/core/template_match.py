"""A template send checked against the template's stored components (C1's `template_variables`):
the parameters a send gives must be the variables the template has, before anything is stored,
so a mismatch is a clear error here instead of Meta's code 132000 later."""

from __future__ import annotations

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.message import Template
from whatsapp_integration.core.templates.components import (
	COPY_CODE,
	MEDIA_FORMATS,
	NAMED,
	QUICK_REPLY,
	URL,
	TemplateVariables,
)
from whatsapp_integration.core.vocabulary import TemplateButtonKind

_BUTTON_KINDS = {
	URL: TemplateButtonKind.URL,
	QUICK_REPLY: TemplateButtonKind.QUICK_REPLY,
	COPY_CODE: TemplateButtonKind.COPY_CODE,
}


def check_against(template: Template, variables: TemplateVariables | None) -> Template:
	"""`template` when its parameters fit `variables` (None: unknown template, not checked)."""
	if variables is None:
		return template
	_check_body(template, variables)
	_check_header(template, variables)
	_check_buttons(template, variables)
	return template


def _check_body(template: Template, variables: TemplateVariables) -> None:
	body, expected = template.body(), variables.body
	if len(body) != len(expected):
		raise InvalidMessage(
			f"Template {template.name} has {len(expected)} body variable(s) ({_names(expected)}); "
			f"{len(body)} parameter(s) were given."
		)
	if variables.parameter_format == NAMED:
		given = [parameter.name for parameter in body]
		if set(given) != set(expected):
			raise InvalidMessage(
				f"Template {template.name} has named variables {_names(expected)}; give a parameter for "
				f"each by name (given: {_names(tuple(str(name) for name in given))})."
			)
	elif any(parameter.name for parameter in body):
		raise InvalidMessage(
			f"Template {template.name} has numbered variables; give its parameters in order, without names."
		)


def _check_header(template: Template, variables: TemplateVariables) -> None:
	header_format = variables.header_format
	if header_format in MEDIA_FORMATS:
		media = template.header_media
		if media is None or media.kind != header_format.lower():
			raise InvalidMessage(
				f"Template {template.name} has a media header ({header_format.lower()}): give the "
				f"{header_format.lower()} to send in it (a file, a link or a media id)."
			)
	elif template.header_media is not None:
		raise InvalidMessage(f"Template {template.name} has no media header; send it without header media.")
	if variables.header and template.header_text is None:
		raise InvalidMessage(
			f"Template {template.name}'s header has a variable ({_names(variables.header)}): give its value."
		)
	if not variables.header and template.header_text is not None:
		raise InvalidMessage(
			f"Template {template.name}'s header has no variable; send it without a header parameter."
		)


def _check_buttons(template: Template, variables: TemplateVariables) -> None:
	slots = {slot.index: slot for slot in variables.buttons}
	for button in template.buttons:
		slot = slots.get(button.index)
		if slot is None or _BUTTON_KINDS.get(slot.type) != button.sub_type:
			found = f"a {slot.type.lower()} button" if slot else "no button"
			raise InvalidMessage(
				f"Template {template.name} has {found} at position {button.index + 1}; "
				f"a {button.sub_type} parameter cannot go there."
			)
		if slot.type == URL and not slot.variables:
			raise InvalidMessage(
				f"Button {button.index + 1} of template {template.name} has a fixed URL; give no suffix."
			)
	given = {button.index for button in template.buttons}
	for slot in variables.buttons:
		needs_value = (slot.type == URL and slot.variables) or slot.type == COPY_CODE
		if needs_value and slot.index not in given:
			what = "URL suffix" if slot.type == URL else "coupon code"
			raise InvalidMessage(f"Button {slot.index + 1} of template {template.name} needs its {what}.")


def _names(names: tuple[str, ...]) -> str:
	return ", ".join(f"{{{{{name}}}}}" for name in names) or "none"
