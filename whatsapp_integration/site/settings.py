"""Builds the one `WhatsAppConfig` from `WhatsApp Integration Settings` (the only place that does)."""

from __future__ import annotations

import time
from typing import Any

import frappe
from frappe.utils.password import get_decrypted_password

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.doctypes import SETTINGS

SECRET_FIELDS = ("access_token", "app_secret", "webhook_verify_token", "metrics_token")
_CACHE_KEY = cache_keys.name("settings")
_LOCAL_SECONDS = 30.0
_PROCESS_CONFIGS: dict[tuple[str, str], tuple[WhatsAppConfig, float]] = {}


def get_config() -> WhatsAppConfig:
	"""The site's config. Non-secret values are cached in Redis for `settings_cache_ttl`
	seconds (cleared when Settings are saved). Decrypting the secrets costs four queries, so
	each process keeps the built config for up to `_LOCAL_SECONDS`, keyed by the Settings'
	`modified` stamp: a save reaches every process at its next request, and long-running
	processes (the web session host) rebuild it at least that often."""
	memo = getattr(frappe.local, "whatsapp_config", None)
	if memo is None or memo[1] < time.monotonic():
		_forget_local_copy()
		memo = _process_config(_cached_values())
		frappe.local.whatsapp_config = memo
	return memo[0]


def _process_config(values: dict[str, Any]) -> tuple[WhatsAppConfig, float]:
	key = (frappe.local.site, str(values.get("modified")))
	memo = _PROCESS_CONFIGS.get(key)
	if memo is None or memo[1] < time.monotonic():
		config = WhatsAppConfig.from_mapping({**values, **_secrets()})
		memo = (config, time.monotonic() + _LOCAL_SECONDS)
		_PROCESS_CONFIGS.clear()  # one entry per process: the current Settings of the current site
		_PROCESS_CONFIGS[key] = memo
	return memo


def clear_config_cache() -> None:
	frappe.cache.delete_value(_CACHE_KEY)
	frappe.local.whatsapp_config = None
	_PROCESS_CONFIGS.clear()


def _forget_local_copy() -> None:
	"""`frappe.cache.get_value` keeps what it read in `frappe.local.cache`, which only a new
	request or job clears: a long-running process would read its first copy forever."""
	frappe.local.cache.pop(frappe.cache.make_key(_CACHE_KEY), None)


def _cached_values() -> dict[str, Any]:
	values = frappe.cache.get_value(_CACHE_KEY)
	if values is None:
		values = _stored_values()
		ttl = WhatsAppConfig.from_mapping(values).settings_cache_ttl
		frappe.cache.set_value(_CACHE_KEY, values, expires_in_sec=ttl or None)
	return values


def _stored_values() -> dict[str, Any]:
	values = frappe.db.get_singles_dict(SETTINGS, cast=True)
	for fieldname in SECRET_FIELDS:
		values.pop(fieldname, None)
	country = values.get("default_country")
	values["default_country"] = _country_code(country) if country else None
	return dict(values)


def _country_code(country: str) -> str | None:
	code = frappe.db.get_value("Country", country, "code")
	return code.upper() if code else None


def _secrets() -> dict[str, str]:
	return {
		fieldname: get_decrypted_password(SETTINGS, SETTINGS, fieldname, raise_exception=False) or ""
		for fieldname in SECRET_FIELDS
	}
