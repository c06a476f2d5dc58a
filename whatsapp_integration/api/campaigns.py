"""Whitelisted endpoints of the Campaign form: start, pause, resume, cancel, test, recipients."""

from __future__ import annotations

import json
from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.campaign.planning import parse_csv
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site import recipients as site_recipients
from whatsapp_integration.site.doctypes import CAMPAIGN, TEMPLATE
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.services import charge_user
from whatsapp_integration.site.settings import get_config

EDITABLE_RECIPIENTS = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)


@frappe.whitelist(methods=["POST"])
def start(name: str) -> dict[str, Any]:
	"""Start now, or schedule for the campaign's start time (invalid numbers are reported first)."""
	_check(name)
	with user_errors():
		charge_user("campaign starts", get_config().user_campaign_start_limit_per_minute)
		service = site_campaigns.campaign_service()
		status = service.start(name)
		progress = service.progress(name)
	_wake_dispatcher(name, status)
	return {"status": status, "progress": progress}


@frappe.whitelist(methods=["POST"])
def pause(name: str) -> dict[str, Any]:
	_check(name)
	with user_errors():
		site_campaigns.campaign_service().pause(name, _("Paused by {0}").format(frappe.session.user))
	return _state(name)


@frappe.whitelist(methods=["POST"])
def resume(name: str) -> dict[str, Any]:
	_check(name)
	with user_errors():
		site_campaigns.campaign_service().resume(name)
	_wake_dispatcher(name, CampaignStatus.RUNNING)
	return _state(name)


@frappe.whitelist(methods=["POST"])
def cancel(name: str) -> dict[str, Any]:
	_check(name)
	with user_errors():
		site_campaigns.campaign_service().cancel(name)
	return _state(name)


@frappe.whitelist(methods=["POST"])
def send_test(name: str, to: str | None = None) -> dict[str, Any]:
	"""Send the campaign's message (filled for its first recipient) to `to`, by default the
	mobile number on the user's own profile."""
	_check(name)
	number = to or frappe.db.get_value("User", frappe.session.user, "mobile_no")
	if not number:
		frappe.throw(_("Enter the number to send the test to, or add a mobile number to your user profile."))
	with user_errors():
		record = site_campaigns.campaign_service().send_test(name, number, frappe.session.user)
	return {"message_log": record.name, "status": record.status, "to": record.to_number}


@frappe.whitelist(methods=["POST"])
def add_recipients(
	name: str, doctype: str, filters: str | dict | list | None = None, phone_field: str | None = None
) -> dict[str, int]:
	"""Add the documents of `doctype` matching `filters` (that the user may read) as recipients."""
	_check_editable(name)
	filters = json.loads(filters) if isinstance(filters, str) and filters.strip() else filters
	with user_errors():
		inputs = site_recipients.recipients_from_doctype(name, doctype, filters or {}, phone_field or None)
		return site_campaigns.campaign_service().add_recipients(name, inputs)


@frappe.whitelist(methods=["POST"])
def import_csv(name: str, csv_text: str) -> dict[str, int]:
	"""Add recipients from CSV text: number, name, then any columns as placeholder values."""
	_check_editable(name)
	with user_errors():
		return site_campaigns.campaign_service().add_recipients(name, parse_csv(csv_text))


@frappe.whitelist()
def progress(name: str) -> dict[str, Any]:
	frappe.has_permission(CAMPAIGN, "read", name, throw=True)
	return site_campaigns.campaign_service().progress(name)


@frappe.whitelist(methods=["POST"])
def sync_templates(device: str | None = None) -> dict[str, int]:
	"""Fetch approved and pending templates from Meta now (also runs daily)."""
	frappe.has_permission(TEMPLATE, "create", throw=True)
	with user_errors():
		return {"synced": site_campaigns.sync_templates(device)}


def _check(name: str) -> None:
	frappe.has_permission(CAMPAIGN, "write", name, throw=True)


def _check_editable(name: str) -> None:
	_check(name)
	status = frappe.db.get_value(CAMPAIGN, name, "status")
	if status not in EDITABLE_RECIPIENTS:
		frappe.throw(
			_("Recipients can be added while the campaign is Draft, Scheduled or Paused, not {0}.").format(
				_(status)
			)
		)


def _state(name: str) -> dict[str, Any]:
	return {"status": frappe.db.get_value(CAMPAIGN, name, "status")}


def _wake_dispatcher(name: str, status: str) -> None:
	if status == CampaignStatus.RUNNING:
		campaign = site_campaigns.campaign_service().repository.get_campaign(name)
		for device in site_campaigns.sending_devices(campaign):
			site_campaigns.ensure_dispatcher(device)
