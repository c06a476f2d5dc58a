"""What the template services and their repositories exchange."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Submission:
	"""What Meta accepted for a submitted template."""

	meta_id: str
	status: str
	category: str
	header_handle: str
	components: list[dict[str, Any]]


@dataclass(frozen=True)
class TemplateState:
	name: str  # the WhatsApp Template row
	template_name: str
	language: str
	status: str | None
