"""The variables of the site's WhatsApp Templates, read from their stored components."""

from __future__ import annotations

import json
from typing import Any

import frappe

from whatsapp_integration.core.templates.components import TemplateVariables, template_variables
from whatsapp_integration.site.doctypes import TEMPLATE


class FrappeTemplateCatalog:
	"""`services.repository.TemplateCatalog` on WhatsApp Template (its `components` JSON, as Meta
	stores them); a template without stored components is not checked."""

	def variables(self, name: str, language: str) -> TemplateVariables | None:
		components = frappe.db.get_value(
			TEMPLATE, {"template_name": name, "language": language}, "components"
		)
		return variables_of(components)


def variables_of(components: str | list[dict[str, Any]] | None) -> TemplateVariables | None:
	"""The variables of a stored `components` value (JSON text or list; None when there are none)."""
	parsed = json.loads(components) if isinstance(components, str) and components else components
	return template_variables(parsed) if isinstance(parsed, list) and parsed else None


def header_format(components: str | list[dict[str, Any]] | None) -> str | None:
	"""The template's header format (TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION) or None."""
	variables = variables_of(components)
	return variables.header_format if variables else None
