"""WhatsApp Template rows: the desk's drafts read for core, what Meta says written back (submit,
webhooks, the daily sync), and the campaigns and notifications that use a template."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import frappe

from whatsapp_integration.core.campaign.templates import TemplateInfo
from whatsapp_integration.core.templates.components import Button, TemplateDraft, lines
from whatsapp_integration.core.templates.reading import draft_fields
from whatsapp_integration.core.templates.records import Submission, TemplateState
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository
from whatsapp_integration.site.doctypes import CAMPAIGN, NOTIFICATION, TEMPLATE

_STATE_FIELDS = ("name", "template_name", "language", "status")
META_FIELDS = ("status", "status_reason", "quality_rating", "category", "category_change")


def draft_from_doc(doc: Mapping[str, Any]) -> TemplateDraft:
	"""The core draft of a template document (saved or not: the preview sends the form's values)."""
	return TemplateDraft(
		name=str(doc.get("template_name") or ""),
		language=str(doc.get("language") or ""),
		category=str(doc.get("category") or ""),
		parameter_format=str(doc.get("parameter_format") or "POSITIONAL"),
		header_format=str(doc.get("header_format") or ""),
		header_text=str(doc.get("header_text") or ""),
		header_example=str(doc.get("header_example") or ""),
		header_sample=str(doc.get("header_sample") or ""),
		header_handle=str(doc.get("header_handle") or ""),
		body=str(doc.get("body") or ""),
		body_examples=lines(doc.get("body_examples")),
		footer=str(doc.get("footer") or ""),
		buttons=tuple(_button(row) for row in doc.get("buttons") or []),
		add_security_recommendation=bool(doc.get("add_security_recommendation")),
		code_expiration_minutes=int(doc.get("code_expiration_minutes") or 0),
	)


def _button(row: Mapping[str, Any]) -> Button:
	return Button(
		type=str(row.get("button_type") or ""),
		text=str(row.get("text") or ""),
		url=str(row.get("url") or "").strip(),
		url_example=str(row.get("url_example") or ""),
		phone_number=str(row.get("phone_number") or "").strip(),
		example=str(row.get("example") or "").strip(),
	)


class FrappeTemplateStore:
	"""`services.template_service.TemplateStore` on the site's database."""

	def find(self, template_id: str | None, name: str | None, language: str | None) -> TemplateState | None:
		row = (
			frappe.db.get_value(TEMPLATE, {"meta_id": template_id}, _STATE_FIELDS, as_dict=True)
			if template_id
			else None
		)
		if row is None and name and language:
			row = frappe.db.get_value(
				TEMPLATE, {"template_name": name, "language": language}, _STATE_FIELDS, as_dict=True
			)
		return TemplateState(row.name, row.template_name, row.language, row.status) if row else None

	def update(self, name: str, changes: dict[str, Any]) -> None:
		values = {
			field: value for field, value in changes.items() if field in META_FIELDS and value is not None
		}
		if values:
			frappe.db.set_value(TEMPLATE, name, values)
			frappe.db.commit()  # nosemgrep: Meta's word on a template is kept even if a later event fails


def save_submission(name: str, submission: Submission) -> None:
	"""What Meta accepted: its id and status, the components senders use from now on."""
	frappe.db.set_value(
		TEMPLATE,
		name,
		{
			"meta_id": submission.meta_id,
			"status": submission.status,
			"category": submission.category,
			"status_reason": "",
			"header_handle": submission.header_handle,
			"components": json.dumps(submission.components),
		},
	)


def upsert_synced(device: str, templates: list[TemplateInfo]) -> list[tuple[TemplateState, TemplateInfo]]:
	"""Write Meta's list (the sync) into WhatsApp Template rows, the authoring fields read from
	the components; each row's state before the write with what Meta says now."""
	changes = []
	for template in templates:
		name = f"{template.name}-{template.language}"
		exists = frappe.db.exists(TEMPLATE, name)
		doc = frappe.get_doc(TEMPLATE, name) if exists else frappe.new_doc(TEMPLATE)
		before = TemplateState(name, template.name, template.language, doc.status if exists else None)
		fields = draft_fields(template.components, template.parameter_format)
		doc.update({**fields, "buttons": []})
		for button in fields["buttons"]:
			doc.append("buttons", button)
		doc.update(
			{
				"template_name": template.name,
				"language": template.language,
				"category": template.category,
				"status": template.status,
				"device": device,
				"meta_id": template.meta_id,
				"parameter_count": template.parameter_count,
				"components": json.dumps(template.components),
			}
		)
		if template.quality:
			doc.quality_rating = template.quality
		if template.rejected_reason:
			doc.status_reason = template.rejected_reason
		doc.flags.from_meta = True  # Meta's own content: not checked against the authoring rules
		doc.save(ignore_permissions=True)
		changes.append((before, template))
	frappe.db.commit()  # nosemgrep: a sync is one unit, kept when it finishes
	return changes


def pause_running_campaigns(template: str, reason: str) -> list[str]:
	"""Pause every Running campaign that sends `template`; the names of those paused."""
	repository = FrappeCampaignRepository()
	running = frappe.get_all(
		CAMPAIGN, filters={"template": template, "status": CampaignStatus.RUNNING}, pluck="name"
	)
	return [
		name
		for name in running
		if repository.update_campaign(
			name, [CampaignStatus.RUNNING], status=CampaignStatus.PAUSED, status_reason=reason
		)
	]


def disable_notifications(template: str, reason: str) -> list[str]:
	"""Disable every enabled WhatsApp Notification that sends `template`; their names."""
	names = frappe.get_all(NOTIFICATION, filters={"template": template, "enabled": 1}, pluck="name")
	for name in names:
		frappe.db.set_value(NOTIFICATION, name, {"enabled": 0, "disabled_reason": reason})
	frappe.db.commit()  # nosemgrep: stopped notifications must stay stopped
	return names
