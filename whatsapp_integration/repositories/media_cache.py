"""Media ids of uploaded files in the site's Redis cache (`whatsapp:media:<phone id>:<sha256>`)."""

from __future__ import annotations

import frappe

from whatsapp_integration.site import cache_keys


class FrappeMediaIdCache:
	"""`senders.media.MediaIdCache` on Frappe's cache: shared by every web and worker process;
	a cleared cache only costs one more upload."""

	def get(self, key: str) -> str | None:
		# expires=True: a miss must not be remembered in this request (frappe.local.cache)
		value = frappe.cache.get_value(cache_keys.name("media", key), expires=True)
		return str(value) if value else None

	def put(self, key: str, media_id: str, ttl_seconds: int) -> None:
		frappe.cache.set_value(cache_keys.name("media", key), media_id, expires_in_sec=ttl_seconds)
