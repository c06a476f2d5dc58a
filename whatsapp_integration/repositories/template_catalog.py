"""The variables of the site's WhatsApp Templates, read from their stored components."""

from __future__ import annotations

import json

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
		if not components:
			return None
		parsed = json.loads(components) if isinstance(components, str) else components
		return template_variables(parsed) if isinstance(parsed, list) and parsed else None
