"""Wires template authoring to this site: submitting a WhatsApp Template to Meta with its
device's token and WhatsApp Business Account, applying Meta's template updates (webhooks and the
daily sync), and the one rule that stops a template's campaigns and notifications."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.campaign.templates import fetch_templates
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.templates.preview import render
from whatsapp_integration.core.templates.status import TEMPLATE_BLOCKED
from whatsapp_integration.core.templates.validation import draft_problems
from whatsapp_integration.operations.alerts import raise_incident
from whatsapp_integration.repositories import templates as store
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.template_service import TemplateStatusService, TemplateSubmitter
from whatsapp_integration.site.doctypes import TEMPLATE
from whatsapp_integration.site.errors import translated
from whatsapp_integration.site.files import FrappeFileReader
from whatsapp_integration.site.settings import get_config


def graph_client(device: str | None) -> tuple[GraphClient, str]:
	"""A Graph client with the device's token (else Settings') and the device's WABA id."""
	config = get_config()
	profile = FrappeMessageRepository().get_device(device)
	token = profile.access_token or config.access_token
	if not profile.waba_id or not token:
		raise ConfigurationError(
			_(
				"WhatsApp Device {0} needs its WhatsApp Business Account ID and an access token "
				"(on the device or in WhatsApp Integration Settings) to submit templates."
			).format(profile.name)
		)
	return GraphClient(config.graph_api_root, token, timeout=config.request_timeout), profile.waba_id


def submit(name: str) -> dict[str, Any]:
	"""Submit (create, or edit once Meta has it) template `name` and keep Meta's answer."""
	doc = frappe.get_doc(TEMPLATE, name)
	client, waba_id = graph_client(doc.device)
	submitter = TemplateSubmitter(
		client, waba_id=waba_id, app_id=get_config().meta_app_id, read_sample=FrappeFileReader().read
	)
	submission = submitter.submit(store.draft_from_doc(doc.as_dict()), meta_id=doc.meta_id, status=doc.status)
	store.save_submission(name, submission)
	return {"name": name, "meta_id": submission.meta_id, "status": submission.status}


def status_service() -> TemplateStatusService:
	return TemplateStatusService(store.FrappeTemplateStore(), stop_users=stop_template_users)


def stop_template_users(template: str, reason: str) -> dict[str, list[str]]:
	"""Pause the Running campaigns and disable the enabled WhatsApp Notifications that send
	`template` (a WhatsApp Template row), note it on the template and alert the managers once."""
	campaigns = store.pause_running_campaigns(template, reason)
	notifications = store.disable_notifications(template, reason)
	stopped = _("Paused campaigns: {0}. Disabled notifications: {1}.").format(
		", ".join(campaigns) or _("none"), ", ".join(notifications) or _("none")
	)
	status = frappe.db.get_value(TEMPLATE, template, "status") or ""
	frappe.db.set_value(TEMPLATE, template, "status_reason", f"{reason} {stopped}")
	frappe.db.commit()  # nosemgrep: the reason stays with the template whatever happens next
	raise_incident(
		Incident(
			f"{TEMPLATE_BLOCKED}:{status}",
			template,
			_("WhatsApp template {0} is {1}").format(template, status),
			f"{reason} {stopped}",
		)
	)
	return {"campaigns": campaigns, "notifications": notifications}


def sync_device(device: str) -> int:
	"""The daily sync of one device's WABA (skipped without a WABA id or token): rows written;
	each newly blocking status stops its users like the webhook does."""
	try:
		client, waba_id = graph_client(device)
	except ConfigurationError:
		return 0
	service = status_service()
	changes = store.upsert_synced(device, fetch_templates(client, waba_id))
	for before, template in changes:
		service.status_changed(before, template.status, template.rejected_reason)
	return len(changes)


def preview_html(values: dict[str, Any]) -> str:
	"""The escaped WhatsApp bubble of a template's (possibly unsaved) field values."""
	return render(store.draft_from_doc(values), values.get("header_sample") or None, translate=translated)


def problems(values: dict[str, Any]) -> list[str]:
	"""What Meta would refuse in these field values (checked on every save of a draft)."""
	return draft_problems(store.draft_from_doc(values))
