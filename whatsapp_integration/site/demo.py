"""Demo data for a trial site (`scripts/trial.sh`): a Sandbox device, contacts, an approved
template, a campaign that runs at once and one scheduled for tomorrow, and conversations.

Loading twice changes nothing: every record has a fixed name and is made only when missing.
Everything goes through the Sandbox device, so nothing leaves the site.

	bench --site <site> execute whatsapp_integration.site.demo.load_demo_data
"""

from __future__ import annotations

import json
import secrets

import frappe
from frappe.utils import add_days, now_datetime

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.doctypes import CAMPAIGN, DEVICE, SETTINGS, TEMPLATE
from whatsapp_integration.site.services import sandbox_service
from whatsapp_integration.site.settings import clear_config_cache

DEMO_DEVICE = "Sandbox"
DEMO_TEMPLATE = "demo_order_update"
DEMO_LANGUAGE = "en_US"
SENT_CAMPAIGN = "Demo: order updates"
SCHEDULED_CAMPAIGN = "Demo: tomorrow's reminders"
# Dutch mobile numbers of a range no subscriber has (06-12345 6xx is used for examples).
CUSTOMERS = (
	("Ada", "Lovelace", "+31612345601"),
	("Grace", "Hopper", "+31612345602"),
	("Alan", "Turing", "+31612345603"),
	("Katherine", "Johnson", "+31612345604"),
	("Edsger", "Dijkstra", "+31612345605"),
)
CUSTOMER_MESSAGES = (
	"Hello! Has my order shipped yet?",
	"Can I change the delivery address to my office?",
	"Thanks, the package arrived 👍",
)
TEMPLATE_BODY = "Hello {{1}}, your order {{2}} has shipped and arrives tomorrow."


def load_demo_data() -> None:
	_settings()
	_device()
	for first_name, last_name, number in CUSTOMERS:
		_contact(first_name, last_name, number)
	_template()
	frappe.db.commit()
	_campaign(SENT_CAMPAIGN, start_at=None)
	_campaign(SCHEDULED_CAMPAIGN, start_at=add_days(now_datetime(), 1))
	_conversations()
	frappe.db.commit()
	print(f"Demo data ready: device {DEMO_DEVICE!r}, {len(CUSTOMERS)} contacts, template {DEMO_TEMPLATE!r}.")


def _settings() -> None:
	"""Sandbox statuses and replies are signed webhooks: they need an app secret (a random
	one unless the site has its own) and a verify token."""
	settings = frappe.get_single(SETTINGS)
	changed = False
	for field in ("app_secret", "verify_token"):
		if not settings.get_password(field, raise_exception=False):
			settings.set(field, secrets.token_urlsafe(24))
			changed = True
	if changed:
		settings.save(ignore_permissions=True)
		clear_config_cache()


def _device() -> None:
	if frappe.db.exists(DEVICE, DEMO_DEVICE):
		return
	device = frappe.new_doc(DEVICE)
	device.update({"device_name": DEMO_DEVICE, "mode": DeviceMode.SANDBOX, "enabled": 1})
	device.insert(ignore_permissions=True)


def _contact(first_name: str, last_name: str, number: str) -> None:
	if frappe.db.exists("Contact Phone", {"phone": number}):
		return
	contact = frappe.new_doc("Contact")
	contact.update({"first_name": first_name, "last_name": last_name})
	contact.append("phone_nos", {"phone": number, "is_primary_mobile_no": 1})
	contact.insert(ignore_permissions=True)


def _template() -> None:
	name = f"{DEMO_TEMPLATE}-{DEMO_LANGUAGE}"
	if frappe.db.exists(TEMPLATE, name):
		return
	components = [
		{"type": "BODY", "text": TEMPLATE_BODY, "example": {"body_text": [["Ada", "SO-0042"]]}},
		{"type": "FOOTER", "text": "Demo shop"},
	]
	template = frappe.new_doc(TEMPLATE)
	template.update(
		{
			"template_name": DEMO_TEMPLATE,
			"language": DEMO_LANGUAGE,
			"category": "UTILITY",
			"status": "APPROVED",
			"parameter_format": "POSITIONAL",
			"components": json.dumps(components),
			"body": TEMPLATE_BODY,
			"body_examples": "Ada\nSO-0042",
			"footer": "Demo shop",
		}
	)
	template.flags.from_meta = True  # an approved copy of Meta's: not a draft to submit
	template.insert(ignore_permissions=True)


def _campaign(title: str, start_at: object) -> None:
	if frappe.db.exists(CAMPAIGN, {"campaign_name": title}):
		return
	campaign = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"campaign_name": title,
			"device": DEMO_DEVICE,
			"message_type": "template",
			"template": f"{DEMO_TEMPLATE}-{DEMO_LANGUAGE}",
			"template_parameters": "{{ recipient_name }}\nSO-0042",
			"scheduled_start": start_at,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	service = site_campaigns.campaign_service()
	recipients = [RecipientInput(number, f"{first} {last}") for first, last, number in CUSTOMERS]
	service.add_recipients(campaign.name, recipients)
	service.start(campaign.name)
	if frappe.db.get_value(CAMPAIGN, campaign.name, "status") == CampaignStatus.RUNNING:
		site_campaigns.ensure_dispatcher(DEMO_DEVICE)
	frappe.db.commit()


def _conversations() -> None:
	"""Three customers write to the Sandbox device, as Meta's inbound webhooks would bring it."""
	sandbox = sandbox_service(process_now=True)
	for (first_name, _last, number), text in zip(CUSTOMERS, CUSTOMER_MESSAGES, strict=False):
		if frappe.db.exists("WhatsApp Message Log", {"from_number": number, "direction": "Inbound"}):
			continue
		sandbox.simulate_reply(DEMO_DEVICE, number, text, first_name)
