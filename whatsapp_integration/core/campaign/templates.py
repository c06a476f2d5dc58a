"""Message templates as Meta lists them (`GET /{waba_id}/message_templates`), and their parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.graph_api import GraphReader

_POSITIONAL = re.compile(r"\{\{\s*(\d+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_FIELDS = "id,name,language,status,category,components,parameter_format,quality_score,rejected_reason"
PAGE_SIZE = 100
MAX_PAGES = 50


@dataclass(frozen=True)
class TemplateInfo:
	name: str
	language: str
	status: str
	category: str
	meta_id: str | None
	body: str
	parameter_count: int
	components: list[dict[str, Any]] = field(default_factory=list)
	parameter_format: str | None = None  # POSITIONAL or NAMED
	quality: str | None = None  # quality_score.score: GREEN, YELLOW, RED, UNKNOWN
	rejected_reason: str | None = None  # Meta's reason of a REJECTED template (not "NONE")


def parameter_count(body: str) -> int:
	"""How many values the body needs: the highest {{n}}, or the distinct {{named}} ones."""
	positions = [int(number) for number in _POSITIONAL.findall(body)]
	if positions:
		return max(positions)
	return len(set(_NAMED.findall(body)))


def parse_template(item: dict[str, Any]) -> TemplateInfo:
	components = [c for c in item.get("components") or [] if isinstance(c, dict)]
	body = next((str(c.get("text") or "") for c in components if str(c.get("type")).upper() == "BODY"), "")
	return TemplateInfo(
		name=str(item.get("name") or ""),
		language=str(item.get("language") or ""),
		status=str(item.get("status") or ""),
		category=str(item.get("category") or ""),
		meta_id=str(item["id"]) if item.get("id") else None,
		body=body,
		parameter_count=parameter_count(body),
		components=components,
		parameter_format=str(item.get("parameter_format") or "").upper() or None,
		quality=_quality(item.get("quality_score")),
		rejected_reason=_rejected(item.get("rejected_reason")),
	)


def _rejected(reason: Any) -> str | None:
	return str(reason) if reason and reason != "NONE" else None


def _quality(score: Any) -> str | None:
	"""Meta's `quality_score` object (`{"score": "GREEN", ...}`) as its score."""
	return str(score.get("score") or "").upper() or None if isinstance(score, dict) else None


def fetch_templates(client: GraphReader, waba_id: str) -> list[TemplateInfo]:
	"""Every template of the WhatsApp Business Account, following Meta's paging cursors."""
	templates: list[TemplateInfo] = []
	params: dict[str, Any] = {"fields": _FIELDS, "limit": PAGE_SIZE}
	for _ in range(MAX_PAGES):
		page = client.get(f"{waba_id}/message_templates", params=params)
		templates.extend(parse_template(item) for item in page.get("data") or [] if isinstance(item, dict))
		after = ((page.get("paging") or {}).get("cursors") or {}).get("after")
		if not after or not (page.get("paging") or {}).get("next"):
			break
		params = {**params, "after": after}
	return [template for template in templates if template.name and template.language]
