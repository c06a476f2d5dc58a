"""Wires the callers of WhatsApp Web to this site: the Redis the session host listens on,
the host client and the QR service. Imports no Selenium: web and worker processes load it."""

from __future__ import annotations

import functools
from pathlib import Path

import frappe
import redis

from whatsapp_integration.repositories.web_sessions import FrappeWebSessionRepository
from whatsapp_integration.services.qr_service import QrService
from whatsapp_integration.session_host.client import HostClient

DEFAULT_REDIS_URL = "redis://127.0.0.1:13000"


@functools.lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
	return redis.Redis.from_url(url)


def redis_client() -> redis.Redis:
	"""The bench's cache Redis (the host and every caller of this bench share it)."""
	return _redis(frappe.conf.get("redis_cache") or DEFAULT_REDIS_URL)


def namespace() -> str:
	"""Keys of this site's host, so several sites of one bench each run their own host."""
	return f"whatsapp_web:{frappe.local.site}:"


def host_client() -> HostClient:
	return HostClient(redis_client(), namespace(), site=frappe.local.site)


def qr_service() -> QrService:
	return QrService(FrappeWebSessionRepository(), host_client())


def state_dir() -> Path:
	"""The host's browser profiles and process registry, in the site's private files."""
	return Path(frappe.get_site_path("private", "whatsapp_web")).resolve()
