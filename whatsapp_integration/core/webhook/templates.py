"""Meta's template webhooks read into `TemplateUpdate`s: `message_template_status_update`
(APPROVED, REJECTED, PAUSED, DISABLED, ... with a reason), `message_template_quality_update`
(GREEN / YELLOW / RED) and `template_category_update` (done, or announced with the category
Meta will set and when)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whatsapp_integration.core.webhook.values import as_dict, as_text, as_timestamp

STATUS, QUALITY, CATEGORY = "status", "quality", "category"
KINDS = {
	"message_template_status_update": STATUS,
	"message_template_quality_update": QUALITY,
	"template_category_update": CATEGORY,
}
FIELDS = tuple(KINDS)


@dataclass(frozen=True)
class TemplateUpdate:
	"""One change Meta reports for a template, found by its id or by name and language."""

	kind: str  # STATUS, QUALITY or CATEGORY
	template_id: str | None
	name: str | None
	language: str | None
	status: str | None = None
	reason: str | None = None
	quality: str | None = None
	category: str | None = None  # the category now
	previous: str | None = None  # the status quality or category before, when Meta says
	correct_category: str | None = None  # announced: the category Meta will set ...
	category_update_at: int | None = None  # ... at this time (epoch seconds)


def read_template_update(field: str, value: dict[str, Any]) -> TemplateUpdate | None:
	"""The update in one change's `value`; None when it names no template."""
	kind = KINDS.get(field)
	template_id = as_text(value.get("message_template_id"))
	name = as_text(value.get("message_template_name"))
	if kind is None or not (template_id or name):
		return None
	common = {
		"template_id": template_id,
		"name": name,
		"language": as_text(value.get("message_template_language")),
	}
	if kind == STATUS:
		status = _upper(value.get("event"))
		if not status:
			return None
		category = _upper(value.get("message_template_category"))
		return TemplateUpdate(STATUS, **common, status=status, reason=status_detail(value), category=category)
	if kind == QUALITY:
		quality = _upper(value.get("new_quality_score"))
		return (
			TemplateUpdate(
				QUALITY, **common, quality=quality, previous=_upper(value.get("previous_quality_score"))
			)
			if quality
			else None
		)
	return TemplateUpdate(
		CATEGORY,
		**common,
		category=_upper(value.get("new_category")),
		previous=_upper(value.get("previous_category")),
		correct_category=_upper(value.get("correct_category")),
		category_update_at=as_timestamp(value.get("category_update_timestamp")),
	)


def status_detail(value: dict[str, Any]) -> str | None:
	"""Meta's words for a status: its reason (not "NONE"), the rejection or pause info, the
	disable date."""
	reason = _upper(value.get("reason"))
	other, rejection = as_dict(value.get("other_info")), as_dict(value.get("rejection_info"))
	disable = as_dict(value.get("disable_info"))
	parts = [
		reason.replace("_", " ").lower() if reason and reason != "NONE" else None,
		as_text(other.get("title")),
		as_text(other.get("description")),
		as_text(rejection.get("reason")),
		as_text(rejection.get("recommendation")),
		f"disabled on {as_text(disable.get('disable_date'))}"
		if as_text(disable.get("disable_date"))
		else None,
	]
	return "; ".join(part for part in parts if part) or None


def _upper(value: Any) -> str | None:
	text = as_text(value)
	return text.upper() if text else None
