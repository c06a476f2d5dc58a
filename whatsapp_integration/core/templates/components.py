"""A template as the desk authors it (`TemplateDraft`) and as Meta stores it (its components).

`to_components` builds Meta's component list exactly as `POST /{waba_id}/message_templates`
documents it; `draft_fields` reads a component list (a synced template) back into the authoring
fields; `template_variables` names the variables a send must fill, for senders and parameter
mappings (see /work/notes/contracts.md, "Templates").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

POSITIONAL = "POSITIONAL"
NAMED = "NAMED"
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
HEADER_FORMATS = ("TEXT", *MEDIA_FORMATS, "LOCATION")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP = "QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP"
BUTTON_TYPES = (QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE)
# Anything between double braces, so a malformed variable ({{ 1a }}, {{Name}}) is caught by name.
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


@dataclass(frozen=True)
class Button:
	type: str
	text: str = ""
	url: str = ""
	url_example: str = ""  # the value of the URL's {{1}} suffix in the example
	phone_number: str = ""
	example: str = ""  # the sample code of a COPY_CODE button


@dataclass(frozen=True)
class TemplateDraft:
	name: str
	language: str
	category: str
	parameter_format: str = POSITIONAL
	header_format: str = ""
	header_text: str = ""
	header_example: str = ""
	header_sample: str = ""  # a file to upload as the media header's sample
	header_handle: str = ""  # the handle Meta's resumable upload returned for it
	body: str = ""
	body_examples: tuple[str, ...] = ()
	footer: str = ""
	buttons: tuple[Button, ...] = ()
	# Authentication templates: Meta writes the body; these are its only options.
	add_security_recommendation: bool = False
	code_expiration_minutes: int = 0


@dataclass(frozen=True)
class ButtonSlot:
	index: int
	type: str
	variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateVariables:
	parameter_format: str = POSITIONAL
	header_format: str | None = None
	header: tuple[str, ...] = ()
	body: tuple[str, ...] = ()
	buttons: tuple[ButtonSlot, ...] = field(default_factory=tuple)


def variables_in(text: str) -> tuple[str, ...]:
	"""The distinct variable names of `text` in order of first appearance ("1", "first_name")."""
	return tuple(dict.fromkeys(VARIABLE.findall(text or "")))


def lines(text: str | None) -> tuple[str, ...]:
	"""Non-blank lines, stripped: how the desk stores one example per variable."""
	return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def to_components(draft: TemplateDraft) -> list[dict[str, Any]]:
	"""Meta's component list for `draft` (HEADER, BODY, FOOTER, BUTTONS in that order)."""
	if draft.category == "AUTHENTICATION":
		return _authentication_components(draft)
	components = [_header(draft)] if draft.header_format else []
	components.append(_body(draft))
	if draft.footer:
		components.append({"type": "FOOTER", "text": draft.footer})
	if draft.buttons:
		components.append({"type": "BUTTONS", "buttons": [_button(button) for button in draft.buttons]})
	return components


def _header(draft: TemplateDraft) -> dict[str, Any]:
	header: dict[str, Any] = {"type": "HEADER", "format": draft.header_format}
	if draft.header_format in MEDIA_FORMATS:
		header["example"] = {"header_handle": [draft.header_handle]}
	elif draft.header_format == "TEXT":
		header["text"] = draft.header_text
		names = variables_in(draft.header_text)
		if names and draft.parameter_format == NAMED:
			header["example"] = {
				"header_text_named_params": [{"param_name": names[0], "example": draft.header_example}]
			}
		elif names:
			header["example"] = {"header_text": [draft.header_example]}
	return header


def _body(draft: TemplateDraft) -> dict[str, Any]:
	body: dict[str, Any] = {"type": "BODY", "text": draft.body}
	names = variables_in(draft.body)
	if names and draft.parameter_format == NAMED:
		body["example"] = {
			"body_text_named_params": [
				{"param_name": name, "example": example}
				for name, example in zip(names, draft.body_examples, strict=False)
			]
		}
	elif names:
		body["example"] = {"body_text": [list(draft.body_examples)]}
	return body


def _button(button: Button) -> dict[str, Any]:
	if button.type == COPY_CODE:
		return {"type": COPY_CODE, "example": button.example}
	data: dict[str, Any] = {"type": button.type, "text": button.text}
	if button.type == URL:
		data["url"] = button.url
		if variables_in(button.url):
			data["example"] = [VARIABLE.sub(button.url_example, button.url, count=1)]
	elif button.type == PHONE_NUMBER:
		data["phone_number"] = button.phone_number
	return data


def _authentication_components(draft: TemplateDraft) -> list[dict[str, Any]]:
	components: list[dict[str, Any]] = [
		{"type": "BODY", "add_security_recommendation": draft.add_security_recommendation}
	]
	if draft.code_expiration_minutes:
		components.append({"type": "FOOTER", "code_expiration_minutes": draft.code_expiration_minutes})
	text = draft.buttons[0].text if draft.buttons else ""
	otp: dict[str, Any] = {"type": OTP, "otp_type": COPY_CODE}
	if text:
		otp["text"] = text
	components.append({"type": "BUTTONS", "buttons": [otp]})
	return components


def create_payload(draft: TemplateDraft) -> dict[str, Any]:
	"""The body of `POST /{waba_id}/message_templates`."""
	return {
		"name": draft.name,
		"language": draft.language,
		"category": draft.category,
		"parameter_format": draft.parameter_format,
		"components": to_components(draft),
	}


def edit_payload(draft: TemplateDraft, status: str | None) -> dict[str, Any]:
	"""The body of `POST /{template_id}`: name and language never change; the category only
	while the template is not approved."""
	payload: dict[str, Any] = {"components": to_components(draft)}
	if (status or "").upper() != "APPROVED":
		payload["category"] = draft.category
	return payload


def component_of(components: Iterable[Any], kind: str) -> dict[str, Any]:
	"""The first component of type `kind` (HEADER, BODY, FOOTER, BUTTONS; any case), or {}."""
	return next((c for c in components if isinstance(c, dict) and str(c.get("type")).upper() == kind), {})


def template_variables(
	components: list[dict[str, Any]], parameter_format: str | None = None
) -> TemplateVariables:
	"""What a send of a template with these components must fill (see the module docstring)."""
	header, body = component_of(components, "HEADER"), component_of(components, "BODY")
	header_format = str(header.get("format") or "").upper() or None
	buttons = tuple(
		ButtonSlot(index, str(button.get("type") or "").upper(), variables_in(str(button.get("url") or "")))
		for index, button in enumerate(component_of(components, "BUTTONS").get("buttons") or [])
		if isinstance(button, dict)
	)
	body_names = variables_in(str(body.get("text") or ""))
	return TemplateVariables(
		parameter_format=(parameter_format or _format_of(body_names)).upper(),
		header_format=header_format,
		header=variables_in(str(header.get("text") or "")) if header_format == "TEXT" else (),
		body=body_names,
		buttons=buttons,
	)


def _format_of(names: tuple[str, ...]) -> str:
	return NAMED if names and not all(name.isdigit() for name in names) else POSITIONAL
