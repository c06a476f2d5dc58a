"""Cached stats, counter history and the session host heartbeat in the site's Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

import frappe

from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.settings import get_config

T = TypeVar("T")
COUNTER_HISTORY_SECONDS = 2 * 3600


def cached(name: str, build: Callable[[], T]) -> T:
	"""`build()` cached in Redis for Settings' `stats_cache_ttl` seconds (0 turns caching off)."""
	ttl = get_config().stats_cache_ttl
	key = cache_keys.name("stats", name)
	if ttl:
		value = frappe.cache.get_value(key, expires=True)
		if value is not None:
			return value
	value = build()
	if ttl:
		frappe.cache.set_value(key, value, expires_in_sec=ttl)
	return value


def record_counter(name: str, value: float, now: float | None = None) -> list[tuple[float, float]]:
	"""Append a reading of a growing counter to its history (kept two hours) and return the history,
	oldest first: `core.operations.metrics.increase` turns it into "how many in the last hour"."""
	now = time.time() if now is None else now
	key = cache_keys.site_key("counter_history", name)
	pipeline = frappe.cache.pipeline()
	pipeline.rpush(key, json.dumps([now, value]))
	pipeline.expire(key, COUNTER_HISTORY_SECONDS)
	pipeline.lrange(key, 0, -1)
	history = [tuple(json.loads(item)) for item in pipeline.execute()[-1]]
	recent = [sample for sample in history if sample[0] >= now - COUNTER_HISTORY_SECONDS]
	if len(recent) < len(history):
		frappe.cache.ltrim(key, len(history) - len(recent), -1)
	return recent  # type: ignore[return-value]


def clear_stats_cache() -> None:
	frappe.cache.delete_keys(cache_keys.name("stats") + ":")


def session_host_heartbeat() -> float | None:
	"""Epoch seconds of the WhatsApp Web session host's last heartbeat (session_host/host.py writes
	`{"at": ...}` with a TTL, so no key means no host), or None."""
	# imported here: site.web -> operations.alerts -> operations.health -> this module
	from whatsapp_integration.site.web import host_client

	beat = host_client().heartbeat()
	try:
		return float(beat["at"]) if beat else None
	except (KeyError, TypeError, ValueError):
		return None
