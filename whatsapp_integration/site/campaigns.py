"""Wires the campaign service to this site: repositories, Redis journal, notifications, jobs.

Dispatchers run as background jobs, one per device: the scheduler enqueues one when the
device has Running campaigns and no live dispatcher. "Live" is a Redis key the dispatcher
refreshes after every batch and that expires after the campaign lease, so a killed worker's
device gets a new dispatcher once its leases have expired; RQ's job-id de-duplication alone
would keep a killed job "started" for many minutes.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from typing import Any

import frappe
from frappe import _
from frappe.utils import get_system_timezone, now_datetime

from whatsapp_integration.core.campaign import policy
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.rendering import message_sources, placeholder_names
from whatsapp_integration.core.campaign.templates import fetch_templates
from whatsapp_integration.repositories.campaigns import CAMPAIGN, FrappeCampaignRepository, upsert_templates
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.campaign_repository import CampaignRecord
from whatsapp_integration.services.campaign_service import CampaignService
from whatsapp_integration.services.send_journal import RedisSendJournal
from whatsapp_integration.site.services import message_service
from whatsapp_integration.site.settings import get_config

DISPATCH_JOB = "whatsapp_integration.site.campaigns.dispatch"
PROGRESS_EVENT = "whatsapp_campaign_progress"


def campaign_service() -> CampaignService:
	return CampaignService(
		FrappeCampaignRepository(),
		message_service(),
		RedisSendJournal(frappe.cache, prefix=_key("journal:")),
		notify=notify_managers,
		on_batch=_after_batch,
		time_zone=get_system_timezone(),
		now=now_datetime,
	)


def run_scheduler_tick() -> None:
	"""Start due campaigns, then make sure each device with Running campaigns has a dispatcher."""
	service = campaign_service()
	service.start_due(datetime.now(timezone.utc))
	for device in running_devices():
		ensure_dispatcher(device)


def running_devices() -> list[str]:
	return frappe.get_all(CAMPAIGN, filters={"status": policy.RUNNING}, pluck="device", distinct=True)


def ensure_dispatcher(device: str) -> bool:
	"""Enqueue a dispatcher for `device` unless one is queued or alive; True if enqueued."""
	lease = int(get_config().campaign_lease_seconds)
	if not frappe.cache.set(dispatcher_key(device), "queued", nx=True, ex=lease):
		return False
	frappe.enqueue(
		DISPATCH_JOB,
		queue="long",
		job_id=f"whatsapp-campaign::{device}::{uuid.uuid4().hex[:8]}",
		device=device,
		enqueue_after_commit=True,
	)
	return True


def dispatch(device: str, keep_alive: bool = True) -> dict[str, int]:
	"""The dispatcher job: sends the device's Running campaigns until nothing is due."""
	frappe.local.whatsapp_dispatcher_device = device if keep_alive else None
	try:
		until = time.monotonic() + get_config().campaign_dispatch_seconds
		report = campaign_service().dispatch_device(device, until=until)
	finally:
		if keep_alive:
			frappe.cache.delete(dispatcher_key(device))
	return {"batches": report.batches, "sent": report.sent, "failed": report.failed}


def notify_managers(campaign: CampaignRecord, reason: str) -> None:
	"""Tell every WhatsApp Manager (bell notification and realtime) why a campaign paused."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	users = frappe.get_all(
		"Has Role", filters={"role": "WhatsApp Manager", "parenttype": "User"}, pluck="parent", distinct=True
	)
	subject = _("WhatsApp campaign {0} was paused: {1}").format(campaign.name, reason)
	notification = {
		"subject": subject,
		"document_type": CAMPAIGN,
		"document_name": campaign.name,
		"type": "Alert",
	}
	if users:
		make_notification_logs(notification, users)
	frappe.log_error(title=_("WhatsApp campaign {0} paused").format(campaign.name), message=reason)
	_publish(campaign.name)
	frappe.db.commit()  # nosemgrep: the notice must survive a later failure of the job


def sync_templates(device: str | None = None) -> int:
	"""Fetch the message templates of each device's WhatsApp Business Account from Meta."""
	config, repository = get_config(), message_service().repository
	names = [device] if device else frappe.get_all("WhatsApp Device", filters={"enabled": 1}, pluck="name")
	synced = 0
	for name in names:
		profile = repository.get_device(name)
		token = profile.access_token or config.access_token
		if not profile.waba_id or not token:
			continue
		client = GraphClient(config.graph_api_root, token, timeout=config.request_timeout)
		synced += upsert_templates(name, fetch_templates(client, profile.waba_id))
	return synced


def _after_batch(campaign: CampaignRecord) -> None:
	device = getattr(frappe.local, "whatsapp_dispatcher_device", None)
	if device:
		frappe.cache.set(dispatcher_key(device), "running", ex=int(get_config().campaign_lease_seconds))
	_publish(campaign.name)


def _publish(name: str) -> None:
	progress = FrappeCampaignRepository().progress(name)
	status = frappe.db.get_value(CAMPAIGN, name, "status")
	frappe.publish_realtime(
		PROGRESS_EVENT,
		{"campaign": name, "status": status, "counts": progress},
		doctype=CAMPAIGN,
		docname=name,
	)


def dispatcher_key(device: str) -> str:
	return _key(f"dispatcher:{device}")


def _key(suffix: str) -> str:
	key = frappe.cache.make_key(f"whatsapp_integration:campaign:{suffix}")
	return key.decode() if isinstance(key, bytes) else key


# Recipients picked the way ERPNext users expect: from any DocType with a phone field.

_DEFAULT_PHONE_FIELDS = {
	"Contact": "mobile_no",
	"Customer": "mobile_no",
	"Lead": "mobile_no",
	"Supplier": "mobile_no",
}
_SCALAR_FIELDTYPES = frozenset(
	{"Data", "Select", "Link", "Int", "Float", "Currency", "Date", "Datetime", "Phone", "Small Text", "Check"}
)


def phone_field_of(doctype: str) -> str:
	"""The field holding a mobile number: the usual one for ERPNext parties, else the first
	Phone field, else the first field named like a phone."""
	meta = frappe.get_meta(doctype)
	preferred = _DEFAULT_PHONE_FIELDS.get(doctype)
	if preferred and meta.has_field(preferred):
		return preferred
	for df in meta.fields:
		if df.fieldtype == "Phone" or (df.fieldtype == "Data" and df.options == "Phone"):
			return df.fieldname
	for df in meta.fields:
		if df.fieldtype in ("Data", "Phone") and ("mobile" in df.fieldname or "phone" in df.fieldname):
			return df.fieldname
	frappe.throw(
		_("{0} has no phone field. Choose the field that holds the mobile number.").format(_(doctype))
	)


def recipients_from_doctype(
	campaign: str, doctype: str, filters: dict[str, Any] | list | None, phone_field: str | None = None
) -> list[RecipientInput]:
	"""Recipients from the documents the user may read. Their context keeps only the fields the
	campaign's message or template parameters use (and name and phone), never the whole document."""
	meta = frappe.get_meta(doctype)
	phone_field = phone_field or phone_field_of(doctype)
	if not meta.has_field(phone_field):
		frappe.throw(_("{0} has no field {1}.").format(_(doctype), phone_field))
	used = _placeholders_of(campaign_service().repository.get_campaign(campaign))
	kept = {"name", phone_field, *(df.fieldname for df in meta.fields if df.fieldtype in _SCALAR_FIELDTYPES)}
	context_fields = ["name", phone_field, *sorted(used & kept - {"name", phone_field})]
	title_field = meta.title_field if meta.title_field and meta.has_field(meta.title_field) else "name"
	fields = list(dict.fromkeys([*context_fields, title_field]))
	rows = frappe.get_list(doctype, filters=filters or {}, fields=fields, limit_page_length=0)
	return [
		RecipientInput(
			str(row.get(phone_field) or ""),
			str(row.get(title_field) or row.name),
			doctype,
			row.name,
			context={
				key: value if isinstance(value, int | float) else str(value)
				for key in context_fields
				if (value := row.get(key)) is not None
			},
		)
		for row in rows
	]


def _placeholders_of(campaign: CampaignRecord) -> set[str]:
	"""The context names the campaign's message and template parameters use."""
	sources = message_sources(campaign.text, campaign.template_params)
	return set().union(*(placeholder_names(label, source) for label, source in sources.items()))
