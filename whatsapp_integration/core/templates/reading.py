"""Meta's components of a template (as the sync lists them) read back into the desk's authoring
fields, so a template made in Meta's manager can be edited here too."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.templates.components import (
	COPY_CODE,
	NAMED,
	OTP,
	POSITIONAL,
	URL,
	VARIABLE,
	component_of,
	variables_in,
)


def draft_fields(components: list[dict[str, Any]], parameter_format: str | None = None) -> dict[str, Any]:
	"""The authoring fields of WhatsApp Template for these components."""
	header, body = component_of(components, "HEADER"), component_of(components, "BODY")
	footer, buttons = (
		component_of(components, "FOOTER"),
		component_of(components, "BUTTONS").get("buttons") or [],
	)
	body_example = body.get("example") if isinstance(body.get("example"), dict) else {}
	named = parameter_format == NAMED or bool(body_example.get("body_text_named_params"))
	return {
		"parameter_format": NAMED if named else POSITIONAL,
		**_header_fields(header),
		"body": str(body.get("text") or ""),
		"body_examples": "\n".join(_body_examples(body_example)),
		"add_security_recommendation": int(bool(body.get("add_security_recommendation"))),
		"footer": str(footer.get("text") or ""),
		"code_expiration_minutes": int(footer.get("code_expiration_minutes") or 0),
		"buttons": [_button_fields(button) for button in buttons if isinstance(button, dict)],
	}


def _header_fields(header: dict[str, Any]) -> dict[str, Any]:
	example = header.get("example") if isinstance(header.get("example"), dict) else {}
	named = example.get("header_text_named_params") or []
	texts = example.get("header_text") or [item.get("example") for item in named if isinstance(item, dict)]
	handles = example.get("header_handle") or []
	return {
		"header_format": str(header.get("format") or "").upper(),
		"header_text": str(header.get("text") or ""),
		"header_example": str(texts[0] or "") if texts else "",
		"header_handle": str(handles[0]) if handles else "",
	}


def _body_examples(example: dict[str, Any]) -> list[str]:
	named = example.get("body_text_named_params")
	if named:
		return [str(item.get("example") or "") for item in named if isinstance(item, dict)]
	rows = example.get("body_text") or []
	return [str(value) for value in rows[0]] if rows and isinstance(rows[0], list) else []


def _button_fields(button: dict[str, Any]) -> dict[str, Any]:
	kind = str(button.get("type") or "").upper()
	examples = button.get("example")
	fields = {"button_type": COPY_CODE if kind == OTP else kind, "text": str(button.get("text") or "")}
	if kind == URL:
		url = str(button.get("url") or "")
		fields.update(
			url=url,
			url_example=_url_suffix(url, examples[0] if isinstance(examples, list) and examples else ""),
		)
	elif kind == "PHONE_NUMBER":
		fields["phone_number"] = str(button.get("phone_number") or "")
	elif kind == COPY_CODE:
		fields["example"] = str(examples[0] if isinstance(examples, list) and examples else examples or "")
	return fields


def _url_suffix(url: str, example: str) -> str:
	"""The value the example URL gives the URL's {{1}}: the example without the fixed prefix."""
	if not variables_in(url):
		return ""
	prefix = VARIABLE.split(url, maxsplit=1)[0]
	return example[len(prefix) :] if example.startswith(prefix) else example
