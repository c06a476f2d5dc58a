"""How a message's rich content (template components, interactive parts) is kept on its Message Log
row, so every send attempt rebuilds the very message the caller asked for."""

from __future__ import annotations

import dataclasses
from typing import Any

from whatsapp_integration.core.message import Media, Template


def media_to_dict(media: Media) -> dict[str, Any]:
	return {key: value for key, value in dataclasses.asdict(media).items() if value}


def media_from_dict(values: dict[str, Any]) -> Media:
	names = {field.name for field in dataclasses.fields(Media)}
	return Media(**{key: value for key, value in values.items() if key in names})


def template_content(template: Template) -> dict[str, Any] | None:
	"""The parts of `template` the Message Log's template columns do not hold (None: none)."""
	content: dict[str, Any] = {}
	if template.header_media is not None:
		content["header_media"] = media_to_dict(template.header_media)
	return content or None


def template_from(
	name: str, language: str, parameters: list[str], content: dict[str, Any] | None
) -> Template:
	"""The `Template` stored as `name`, `language`, body `parameters` and `template_content`."""
	content = content or {}
	header = content.get("header_media")
	return Template(
		name, language, tuple(parameters), header_media=media_from_dict(header) if header else None
	)
