"""In-memory `TemplateCatalog`: templates' components by (name, language)."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.templates.components import TemplateVariables, template_variables


class MemoryTemplateCatalog:
	def __init__(self) -> None:
		self._components: dict[tuple[str, str], list[dict[str, Any]]] = {}
		self.reads: list[tuple[str, str]] = []  # (name, language) of each read, in order

	def add(self, name: str, language: str, components: list[dict[str, Any]]) -> None:
		self._components[(name, language)] = components

	def variables(self, name: str, language: str) -> TemplateVariables | None:
		self.reads.append((name, language))
		components = self._components.get((name, language))
		return template_variables(components) if components else None
