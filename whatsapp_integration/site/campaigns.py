"""Wires the campaign services to this site: the lifecycle service and the dispatcher with their
repositories, send path, Redis journal and notifications; the dispatcher jobs.

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

from whatsapp_integration.core.campaign.records import CampaignRecord
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.repositories.campaign_routing import FrappeRoutingRepository
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.repositories.redis_stores import RedisSendJournal
from whatsapp_integration.services.campaign_dispatch import CampaignDispatcher
from whatsapp_integration.services.campaign_routing import CampaignRouter
from whatsapp_integration.services.campaign_service import CampaignService
from whatsapp_integration.site import cache_keys, roles
from whatsapp_integration.site import templates as site_templates
from whatsapp_integration.site.doctypes import CAMPAIGN, DEVICE
from whatsapp_integration.site.services import SENDERS, message_service, rate_limiter
from whatsapp_integration.site.settings import get_config

AREA = "campaign"  # cache_keys area: whatsapp:campaign:dispatcher:<device>, whatsapp:campaign:journal:<key>
DISPATCH_JOB = "whatsapp_integration.site.campaigns.dispatch"
PROGRESS_EVENT = "whatsapp_campaign_progress"


def campaign_service() -> CampaignService:
	return CampaignService(
		FrappeCampaignRepository(),
		config=get_config(),
		devices=FrappeMessageRepository(),
		send=message_service().send,
		notify=notify_managers,
		router=campaign_router(),
		time_zone=get_system_timezone(),
		now=now_datetime,
	)


def campaign_dispatcher() -> CampaignDispatcher:
	return CampaignDispatcher(
		FrappeCampaignRepository(),
		RedisSendJournal(frappe.cache, prefix=cache_keys.site_key(AREA, "journal") + ":"),
		campaign_service(),
		config=get_config(),
		devices=FrappeMessageRepository(),
		senders=SENDERS,
		limiter=rate_limiter(),
		batch_builder=message_service().batch_builder,
		on_batch=_after_batch,
		now=now_datetime,
	)


def campaign_router() -> CampaignRouter:
	return CampaignRouter(
		FrappeRoutingRepository(), FrappeCampaignRepository(), config=get_config(), now=now_datetime
	)


def run_scheduler_tick() -> None:
	"""Start due campaigns, route the waiting recipients of multi-device campaigns (capacity
	freed, a device became unhealthy), then make sure each sending device has a dispatcher."""
	service = campaign_service()
	service.start_due(datetime.now(timezone.utc))
	running = FrappeCampaignRepository().campaigns_with_status([CampaignStatus.RUNNING])
	router = campaign_router()
	for campaign in running:
		router.route(campaign)
	for device in sorted({device for campaign in running for device in sending_devices(campaign)}):
		ensure_dispatcher(device)


def sending_devices(campaign: CampaignRecord) -> tuple[str, ...]:
	"""The devices a campaign sends through: its devices, else its device."""
	return campaign.devices or ((campaign.device,) if campaign.device else ())


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
		report = campaign_dispatcher().dispatch_device(device, until=until)
	finally:
		if keep_alive:
			frappe.cache.delete(dispatcher_key(device))
	return {"batches": report.batches, "sent": report.sent, "failed": report.failed}


def notify_managers(campaign: CampaignRecord, reason: str) -> None:
	"""Tell every WhatsApp Manager (bell notification and realtime) why a campaign paused."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	users = frappe.get_all(
		"Has Role", filters={"role": roles.MANAGER, "parenttype": "User"}, pluck="parent", distinct=True
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
	"""Fetch the message templates of each device's WhatsApp Business Account from Meta (a
	template Meta has paused, disabled or rejected stops its users: `site.templates`)."""
	names = [device] if device else frappe.get_all(DEVICE, filters={"enabled": 1}, pluck="name")
	return sum(site_templates.sync_device(name) for name in names)


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
		{
			"campaign": name,
			"status": status,
			"counts": progress,
			"devices": FrappeRoutingRepository().progress_by_device(name),
		},
		doctype=CAMPAIGN,
		docname=name,
	)


def dispatcher_key(device: str) -> str:
	return cache_keys.site_key(AREA, "dispatcher", device)
