"""Wires the callers of WhatsApp Web to this site: the Redis the session host listens on,
the host client and the QR service. Imports no Selenium: web and worker processes load it."""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from pathlib import Path

import frappe
import redis
from frappe.utils import convert_utc_to_system_timezone, format_datetime

from whatsapp_integration.operations.alerts import raise_incident
from whatsapp_integration.repositories.web_sessions import FrappeWebSessionRepository
from whatsapp_integration.services.qr_service import QrService
from whatsapp_integration.services.web_sessions import SessionCleanup
from whatsapp_integration.session_host.client import HostClient
from whatsapp_integration.site import cache_keys

DEFAULT_REDIS_URL = "redis://127.0.0.1:13000"


@functools.lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
	return redis.Redis.from_url(url)


def redis_client() -> redis.Redis:
	"""The bench's cache Redis (the host and every caller of this bench share it)."""
	return _redis(frappe.conf.get("redis_cache") or DEFAULT_REDIS_URL)


def namespace() -> str:
	"""Keys of this site's host, so several sites of one bench each run their own host."""
	return cache_keys.durable_prefix("web")


def host_client() -> HostClient:
	return HostClient(redis_client(), namespace(), site=frappe.local.site)


def qr_service() -> QrService:
	return QrService(FrappeWebSessionRepository(), host_client())


def session_cleanup(client: HostClient | None = None) -> SessionCleanup:
	"""The scheduler's cleanup of this site's Web sessions (`client`: another host's, for tests)."""
	return SessionCleanup(
		FrappeWebSessionRepository(), client or host_client(), raise_incident, format_time=_site_time
	)


def _site_time(epoch: float) -> str:
	"""Epoch seconds in the site's time zone and date format."""
	utc = datetime.fromtimestamp(epoch, tz=timezone.utc)
	return format_datetime(convert_utc_to_system_timezone(utc).replace(tzinfo=None))


def state_dir() -> Path:
	"""The host's browser profiles and process registry, in the site's private files."""
	return Path(frappe.get_site_path("private", "whatsapp_web")).resolve()
