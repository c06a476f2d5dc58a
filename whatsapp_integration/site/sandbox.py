"""Frappe glue of Sandbox devices: after a send, queue the job that reports its statuses; after
an event is stored in the inbox, process it (in the delivery job) or queue the inbox's drain
(a simulated reply from a web request, as the webhook endpoint does)."""

from __future__ import annotations

from collections.abc import Callable

import frappe

from whatsapp_integration.repositories.sandbox import has_sandbox_devices
from whatsapp_integration.senders.sandbox import SandboxSend
from whatsapp_integration.services.webhook_inbox import WebhookInbox

DELIVERY_JOB = "whatsapp_integration.tasks.deliver_sandbox_statuses"
DELIVERY_JOB_ID = "whatsapp-sandbox-statuses"
DRAIN_JOB = "whatsapp_integration.tasks.drain_webhook_inbox"
_PENDING = "whatsapp_sandbox_delivery_pending"  # on frappe.local: queued after this transaction


def queue_statuses(send: SandboxSend | None = None) -> None:
	"""Queue the delivery job once the send is committed: once per transaction (a campaign
	batch commits many sends at once), and one job at a time (a running job goes on until no
	Sandbox message waits; the scheduler queues it every minute as well)."""
	if getattr(frappe.local, _PENDING, False):
		return
	setattr(frappe.local, _PENDING, True)
	frappe.db.after_commit.add(_enqueue_delivery)
	frappe.db.after_rollback.add(_forget_pending)


def _enqueue_delivery() -> None:
	_forget_pending()
	frappe.enqueue(DELIVERY_JOB, queue="short", job_id=DELIVERY_JOB_ID, deduplicate=True)


def _forget_pending() -> None:
	setattr(frappe.local, _PENDING, False)


def queue_statuses_if_sandbox_devices() -> None:
	if has_sandbox_devices():
		_enqueue_delivery()


def process_in_this_job(inbox: WebhookInbox) -> Callable[[str], None]:
	"""Commit the stored event, apply it like the drain does, and commit its effects, so a long
	delivery job shows each status at once (dashboard, forms, other apps' hooks)."""

	def process(name: str) -> None:
		frappe.db.commit()
		inbox.process_one(name)
		frappe.db.commit()

	return process


def queue_drain(name: str) -> None:
	"""Process the stored event as a webhook POST's would be: by the inbox's drain job."""
	frappe.enqueue(DRAIN_JOB, queue="short", enqueue_after_commit=True)
