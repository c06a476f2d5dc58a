"""Every Redis key the app uses follows one convention: `whatsapp:<area>:<part>:...`.

`name()` is the key for `frappe.cache.get_value` / `set_value`, which put the site in front
themselves; `site_key()` is the same key with the site in front, for raw Redis calls
(`frappe.cache.set`, Lua scripts) that do not; `durable_prefix()` names keys that must outlive a
cache clear.
"""

from __future__ import annotations

import frappe

PREFIX = "whatsapp"


def name(area: str, *parts: str) -> str:
	"""`whatsapp:<area>:<part>:...` (Frappe's value API adds the site)."""
	return ":".join((PREFIX, area, *parts))


def site_key(area: str, *parts: str) -> str:
	"""`name(area, *parts)` with the site in front, for raw Redis calls."""
	key = frappe.cache.make_key(name(area, *parts))
	return key.decode() if isinstance(key, bytes) else key


def site_prefix(area: str) -> str:
	"""The site's `whatsapp:<area>:` prefix, for stores that append their own suffixes."""
	return site_key(area) + ":"


def durable_prefix(area: str) -> str:
	"""`whatsapp:<area>:<site>:`, outside the site's key space: for keys another process owns (the
	session host's commands, replies, heartbeat and sessions), which Frappe's cache clearing,
	which deletes every key under the site's prefix, must not take away."""
	return name(area, frappe.local.site) + ":"
