"""Scheduler entry points (see hooks.py). Each calls a service; no logic here."""

from __future__ import annotations

import frappe

from whatsapp_integration.operations.alerts import check_and_alert
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site import notifications as site_notifications
from whatsapp_integration.site.inbound_media import media_downloader
from whatsapp_integration.site.number_health import number_health_service
from whatsapp_integration.site.sandbox import queue_statuses_if_sandbox_devices
from whatsapp_integration.site.services import message_service, sandbox_service, webhook_inbox
from whatsapp_integration.site.web import session_cleanup

RETRY_BATCH = 200


def retry_queued_messages() -> None:
	"""Send Message Log rows whose retry is due (the outbox's retry loop)."""
	message_service().retry_due(RETRY_BATCH)


def clean_up_web_sessions() -> None:
	"""Every five minutes: the session host sweeps now; sessions a gone host left are STOPPED
	and alerted (services/web_sessions.py)."""
	session_cleanup().run()


def check_alerts() -> None:
	"""Alert WhatsApp Managers about new incidents (each incident once)."""
	check_and_alert()


def drain_webhook_inbox() -> None:
	"""Process every ready inbox row (queued by the endpoint, at most one job a second)."""
	frappe.set_user("Administrator")
	webhook_inbox().drain()


def process_pending_webhook_events() -> None:
	"""Inbox rows no worker finished (queue or workers were down, a retry is due, a worker died)."""
	frappe.set_user("Administrator")
	webhook_inbox().process_pending()


def deliver_sandbox_statuses() -> None:
	"""Report Delivered and Read for Sandbox messages as their delays pass (queued after a
	Sandbox send; runs until no Sandbox message waits)."""
	frappe.set_user("Administrator")
	sandbox_service(process_now=True).run()


def queue_sandbox_statuses() -> None:
	"""Every minute: queue the Sandbox delivery job when a Sandbox device exists (a send's own
	queueing may have come while the previous job was finishing)."""
	queue_statuses_if_sandbox_devices()


def download_inbound_media(wamid: str) -> None:
	"""Queued when a message with media is stored: fetch it from Meta (services/media_download.py)."""
	frappe.set_user("Administrator")
	media_downloader().download(wamid)


def retry_inbound_media() -> None:
	"""Every minute: inbound media whose download retry is due or whose queued job never ran."""
	frappe.set_user("Administrator")
	media_downloader().download_due()


def purge_webhook_events() -> None:
	"""Delete processed inbox rows older than the webhook retention days in Settings."""
	webhook_inbox().purge()


def run_campaigns() -> None:
	"""Every minute: start campaigns whose time has come; give each sending device a dispatcher."""
	site_campaigns.run_scheduler_tick()


def refresh_number_health() -> None:
	"""Hourly: each official device's quality rating, messaging limit and status from Meta
	(alerts on a drop or a limit change)."""
	number_health_service().refresh_all()


def sync_whatsapp_templates() -> None:
	"""Daily: refresh WhatsApp Template rows (names, status, parameters) from Meta."""
	site_campaigns.sync_templates()


def run_date_notifications() -> None:
	"""Hourly: WhatsApp Notification date rules (Days Before/After) whose send time has come and
	that have not messaged today's documents yet."""
	site_notifications.run_date_rules()
