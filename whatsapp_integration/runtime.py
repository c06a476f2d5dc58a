"""Wires the services to this site: Frappe repository, Settings config, Redis rate limiter."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from whatsapp_integration.core.config import MODE_WEB
from whatsapp_integration.core.ratelimit import RedisRateLimiter
from whatsapp_integration.core.senders.factory import SenderFactory
from whatsapp_integration.core.web.client import web_sender_builder
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.repositories.webhooks import FrappeWebhookRepository
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.settings import get_config
from whatsapp_integration.web_runtime import host_client

# One per process: senders keep pooled HTTP connections across requests and jobs.
SENDERS = SenderFactory()
# Web devices send through the site's WhatsApp Web session host (commands over Redis).
SENDERS.register(MODE_WEB, web_sender_builder(host_client))


def rate_limiter() -> RedisRateLimiter:
	"""Buckets in the site's Redis cache, so every web and worker process shares one budget."""
	prefix = frappe.cache.make_key("whatsapp:rl:")
	return RedisRateLimiter(frappe.cache, prefix=prefix.decode() if isinstance(prefix, bytes) else prefix)


def message_service() -> MessageService:
	return MessageService(FrappeMessageRepository(), get_config(), SENDERS, rate_limiter(), now=now_datetime)


def webhook_service() -> WebhookService:
	return WebhookService(FrappeWebhookRepository(), get_config())
