"""Scheduler entry points (see hooks.py). Each calls a service; no logic here."""

from __future__ import annotations

import time

import frappe
from frappe.utils import add_days, add_to_date, now_datetime

from whatsapp_integration.operations.alerts import alert_webhook_event_failed, check_and_alert
from whatsapp_integration.repositories.webhook_inbox import FrappeWebhookInbox
from whatsapp_integration.services.webhook_service import (
	INBOX_FAILED,
	InboxDecision,
	WebhookService,
	inbox_decision,
)
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.services import message_service, webhook_service
from whatsapp_integration.site.settings import get_config
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


WEBHOOK_BATCH = 200
WEBHOOK_STALE_SECONDS = 60  # a queued drain normally finishes a row long before this
WEBHOOK_LEASE_SECONDS = 300  # a Processing row whose worker died is taken back after this
WEBHOOK_DRAIN_SECONDS = 240  # one drain job stops after this; the next request or the scheduler goes on


def drain_webhook_inbox() -> None:
	"""Process every ready inbox row (queued by the endpoint, at most one job a second)."""
	inbox, service = FrappeWebhookInbox(), webhook_service()
	deadline = time.monotonic() + WEBHOOK_DRAIN_SECONDS
	while time.monotonic() < deadline:
		names = inbox.ready(now_datetime(), WEBHOOK_BATCH)
		if not names:
			return
		for name in names:
			process_webhook_event(name, service)


def process_webhook_event(name: str, service: WebhookService | None = None) -> None:
	"""Apply one inbox row unless another worker has it or it is not ready."""
	frappe.set_user("Administrator")
	service = service or webhook_service()  # a Settings problem raises here, before a row is taken
	inbox = FrappeWebhookInbox()
	now = now_datetime()
	claimed = inbox.claim(name, now, add_to_date(now, seconds=WEBHOOK_LEASE_SECONDS))
	if claimed is None:
		return
	body, attempts, received_at = claimed
	attempts += 1
	try:
		result = service.process(body.encode())
	except Exception as error:
		frappe.db.rollback()
		frappe.log_error(title=f"WhatsApp webhook event {name} failed")
		decision = inbox_decision(attempts, service.config, crashed=True)
		_finish(inbox, name, attempts, decision, repr(error))
		return
	waited = (now_datetime() - received_at).total_seconds()
	decision = inbox_decision(
		attempts, service.config, crashed=False, unmatched_statuses=result.statuses_unmatched, waited=waited
	)
	_finish(inbox, name, attempts, decision, result.summary())


def _finish(inbox: FrappeWebhookInbox, name: str, attempts: int, decision: InboxDecision, note: str) -> None:
	retry_at = add_to_date(now_datetime(), seconds=decision.retry_in) if decision.retry_in else None
	inbox.finish(name, decision.state, attempts, note, retry_at)
	if decision.state == INBOX_FAILED:
		alert_webhook_event_failed(name, attempts, note)


def process_pending_webhook_events() -> None:
	"""Inbox rows no worker finished (queue or workers were down, a retry is due, a worker died)."""
	now = now_datetime()
	stale = add_to_date(now, seconds=-WEBHOOK_STALE_SECONDS)
	for name in FrappeWebhookInbox().due(stale, now, WEBHOOK_BATCH):
		process_webhook_event(name)


def purge_webhook_events() -> None:
	"""Delete processed inbox rows older than the webhook retention days in Settings."""
	FrappeWebhookInbox().purge(add_days(now_datetime(), -get_config().webhook_event_retention_days))


def run_campaigns() -> None:
	"""Every minute: start campaigns whose time has come; give each sending device a dispatcher."""
	site_campaigns.run_scheduler_tick()


def sync_whatsapp_templates() -> None:
	"""Daily: refresh WhatsApp Template rows (names, status, parameters) from Meta."""
	site_campaigns.sync_templates()
