"""How many webhook requests were refused, by reason: counted by the endpoint, read by the metrics."""

from __future__ import annotations

import frappe
import redis

from whatsapp_integration.site.cache_keys import site_key

AREA, PART = "webhook", "rejected"


def count_rejection(reason: str) -> None:
	"""Never raises: a counter must never turn a 403 into a 500 (Redis down)."""
	try:
		frappe.cache.hincrby(site_key(AREA, PART), reason, 1)
	except Exception:
		pass


def rejection_counts() -> dict[str, int]:
	"""Refused requests since the cache was last cleared, by reason."""
	counts = redis.Redis.hgetall(frappe.cache, site_key(AREA, PART)) or {}  # raw: the wrapper would unpickle
	return {_text(reason): int(count) for reason, count in counts.items()}


def _text(value: bytes | str) -> str:
	return value.decode() if isinstance(value, bytes) else value
