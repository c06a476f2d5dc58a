"""Wires the services to this site: Frappe repository, Settings config, Redis rate limiter."""

from __future__ import annotations

import math

import frappe
from frappe import _, _lt
from frappe.utils import now_datetime

from whatsapp_integration.core.errors import RateLimited
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.operations.alerts import alert_webhook_event_failed
from whatsapp_integration.repositories.conversations import FrappeConversationRepository
from whatsapp_integration.repositories.media_cache import FrappeMediaIdCache
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.repositories.redis_stores import RedisRateLimiter
from whatsapp_integration.repositories.sandbox import FrappeSandboxOutbox
from whatsapp_integration.repositories.template_catalog import FrappeTemplateCatalog
from whatsapp_integration.repositories.webhook_inbox import FrappeWebhookInbox
from whatsapp_integration.repositories.webhooks import FrappeWebhookRepository
from whatsapp_integration.senders.factory import SenderFactory
from whatsapp_integration.senders.media import MediaSources
from whatsapp_integration.senders.sandbox import sandbox_sender_builder
from whatsapp_integration.services.conversations import ConversationService
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.sandbox import SandboxService
from whatsapp_integration.services.webhook_inbox import WebhookInbox
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.session_host.client import web_sender_builder
from whatsapp_integration.site import cache_keys, sandbox
from whatsapp_integration.site import templates as site_templates
from whatsapp_integration.site.files import FrappeFileReader
from whatsapp_integration.site.inbound_media import queue_media_download
from whatsapp_integration.site.number_health import number_health_service
from whatsapp_integration.site.settings import get_config
from whatsapp_integration.site.web import host_client

# One per process: senders keep pooled HTTP connections across requests and jobs.
SENDERS = SenderFactory(MediaSources(FrappeFileReader(), FrappeMediaIdCache()))
# Web devices send through the site's WhatsApp Web session host (commands over Redis).
SENDERS.register(DeviceMode.WEB, web_sender_builder(host_client))
# Sandbox devices never leave the site: their statuses come through the webhook inbox.
SENDERS.register(DeviceMode.SANDBOX, sandbox_sender_builder(sandbox.queue_statuses))


def rate_limiter() -> RedisRateLimiter:
	"""Buckets in the site's Redis cache, so every web and worker process shares one budget."""
	return RedisRateLimiter(frappe.cache, prefix=cache_keys.site_prefix("rl"))


# What a user is limited in, as `charge_user` names it in its refusal (literal, so it is translated).
USER_LIMITED_ACTIONS = {"device links": _lt("device links"), "campaign starts": _lt("campaign starts")}


def charge_user(action: str, per_minute: int) -> None:
	"""Count one `action` (e.g. "device links") of the session user against `per_minute` in the
	shared Redis limiter, like sends; past it `RateLimited` (HTTP 429 through `user_errors`)."""
	key = f"user:{frappe.session.user}:{action}"
	wait = rate_limiter().try_acquire(key, per_minute / 60.0, per_minute)
	if wait > 0:
		raise RateLimited(
			_(
				"You have reached the limit of {0} {1} per minute (WhatsApp Integration Settings). "
				"Try again in {2} s."
			).format(per_minute, USER_LIMITED_ACTIONS.get(action, action), math.ceil(wait)),
			retry_after=wait,
		)


def message_service() -> MessageService:
	return MessageService(
		FrappeMessageRepository(),
		get_config(),
		SENDERS,
		rate_limiter(),
		now=now_datetime,
		templates=FrappeTemplateCatalog(),
	)


def conversation_service() -> ConversationService:
	return ConversationService(FrappeConversationRepository(), now=now_datetime)


def webhook_service() -> WebhookService:
	return WebhookService(
		FrappeWebhookRepository(),
		get_config(),
		number_health=number_health_service().apply_update,
		on_media=queue_media_download,
		templates=site_templates.status_service().apply,
	)


def webhook_inbox() -> WebhookInbox:
	"""Builds the webhook service first: a Settings problem raises here, before a row is taken."""
	return WebhookInbox(
		FrappeWebhookInbox(),
		webhook_service(),
		now=now_datetime,
		on_crash=_log_crashed_event,
		on_failed=alert_webhook_event_failed,
	)


def sandbox_service(*, process_now: bool) -> SandboxService:
	"""Sandbox statuses and replies through the webhook inbox: applied in this job
	(`process_now`, the delivery job) or by the drain job a webhook POST queues (a reply)."""
	inbox = webhook_inbox()
	after = sandbox.process_in_this_job(inbox) if process_now else sandbox.queue_drain
	return SandboxService(FrappeSandboxOutbox(), inbox, get_config(), now=now_datetime, on_accepted=after)


def _log_crashed_event(name: str) -> None:
	"""Undo the crashed attempt and keep its traceback in Error Log (called while handling it)."""
	frappe.db.rollback()
	frappe.log_error(title=f"WhatsApp webhook event {name} failed")
