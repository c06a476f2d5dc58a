"""The app's roles, who may do what, and the one role check every adapter uses."""

from __future__ import annotations

from collections.abc import Iterable

import frappe

MANAGER = "WhatsApp Manager"
USER = "WhatsApp User"
SYSTEM_MANAGER = "System Manager"

APP_ROLES = (MANAGER, USER)
# Send messages, see the dashboard and the analytics report (their own rows for Users).
SENDERS = (USER, MANAGER, SYSTEM_MANAGER)
# See every device, health detail and alert.
MANAGERS = (MANAGER, SYSTEM_MANAGER)


def has_any_role(roles: Iterable[str], user: str | None = None) -> bool:
	"""True when `user` (default: the session user) has one of `roles`. Not `frappe.only_for`,
	which lets everybody through while tests run."""
	return not set(roles).isdisjoint(frappe.get_roles(user))
