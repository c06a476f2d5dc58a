"""A template send checked against the template's stored components (C1's `template_variables`):
the parameters a send gives must be the variables the template has, before anything is stored,
so a mismatch is a clear error here instead of Meta's code 132000 later."""

from __future__ import annotations

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
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
			_(
				"Template {template} has {expected} body variable(s) ({names}); {given} parameter(s) were given."
			).format(template=template.name, expected=len(expected), names=_names(expected), given=len(body))
		)
	if variables.parameter_format == NAMED:
		given = [parameter.name for parameter in body]
		if set(given) != set(expected):
			raise InvalidMessage(
				_(
					"Template {template} has named variables {names}; give a parameter for "
					"each by name (given: {given})."
				).format(
					template=template.name,
					names=_names(expected),
					given=_names(tuple(str(name) for name in given)),
				)
			)
	elif any(parameter.name for parameter in body):
		raise InvalidMessage(
			_(
				"Template {template} has numbered variables; give its parameters in order, without names."
			).format(template=template.name)
		)


def _check_header(template: Template, variables: TemplateVariables) -> None:
	header_format = variables.header_format
	if header_format in MEDIA_FORMATS:
		media = template.header_media
		if media is None or media.kind != header_format.lower():
			raise InvalidMessage(
				_(
					"Template {template} has a media header ({kind}): give the "
					"{kind} to send in it (a file, a link or a media id)."
				).format(template=template.name, kind=header_format.lower())
			)
	elif template.header_media is not None:
		raise InvalidMessage(
			_("Template {template} has no media header; send it without header media.").format(
				template=template.name
			)
		)
	if variables.header and template.header_text is None:
		raise InvalidMessage(
			_("Template {template}'s header has a variable ({names}): give its value.").format(
				template=template.name, names=_names(variables.header)
			)
		)
	if not variables.header and template.header_text is not None:
		raise InvalidMessage(
			_("Template {template}'s header has no variable; send it without a header parameter.").format(
				template=template.name
			)
		)


def _check_buttons(template: Template, variables: TemplateVariables) -> None:
	slots = {slot.index: slot for slot in variables.buttons}
	for button in template.buttons:
		slot = slots.get(button.index)
		if slot is None or _BUTTON_KINDS.get(slot.type) != button.sub_type:
			misplaced = (
				_(
					"Template {template} has a {kind} button at position {position}; "
					"a {sub_type} parameter cannot go there."
				)
				if slot
				else _(
					"Template {template} has no button at position {position}; "
					"a {sub_type} parameter cannot go there."
				)
			)
			raise InvalidMessage(
				misplaced.format(
					template=template.name,
					kind=slot.type.lower() if slot else None,
					position=button.index + 1,
					sub_type=button.sub_type,
				)
			)
		if slot.type == URL and not slot.variables:
			raise InvalidMessage(
				_("Button {position} of template {template} has a fixed URL; give no suffix.").format(
					position=button.index + 1, template=template.name
				)
			)
	given = {button.index for button in template.buttons}
	for slot in variables.buttons:
		needs_value = (slot.type == URL and slot.variables) or slot.type == COPY_CODE
		if needs_value and slot.index not in given:
			missing = (
				_("Button {position} of template {template} needs its URL suffix.")
				if slot.type == URL
				else _("Button {position} of template {template} needs its coupon code.")
			)
			raise InvalidMessage(missing.format(position=slot.index + 1, template=template.name))


def _names(names: tuple[str, ...]) -> str:
	return ", ".join(f"{{{{{name}}}}}" for name in names) or _("none")
