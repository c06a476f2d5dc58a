"""`services.template_service.TemplateStore` in memory, for the framework-free tests."""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.templates.records import TemplateState


class MemoryTemplateStore:
	"""Rows by name: template_name, language, meta_id and whatever Meta's updates wrote."""

	def __init__(self) -> None:
		self.rows: dict[str, dict[str, Any]] = {}

	def add(self, template_name: str, language: str, meta_id: str | None, status: str = "APPROVED") -> str:
		name = f"{template_name}-{language}"
		self.rows[name] = {
			"template_name": template_name,
			"language": language,
			"meta_id": meta_id,
			"status": status,
		}
		return name

	def find(self, template_id: str | None, name: str | None, language: str | None) -> TemplateState | None:
		for row_name, row in self.rows.items():
			if (template_id and row["meta_id"] == template_id) or (
				not template_id and (row["template_name"], row["language"]) == (name, language)
			):
				return TemplateState(row_name, row["template_name"], row["language"], row["status"])
		return None

	def update(self, name: str, changes: dict[str, Any]) -> None:
		self.rows[name].update({field: value for field, value in changes.items() if value is not None})
