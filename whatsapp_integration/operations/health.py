"""Gathers the site's health checks and metrics from Frappe, the database and Redis; the rules
and the math live in core/operations."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from whatsapp_integration.core.operations import health
from whatsapp_integration.core.operations.health import DOWN, HEARTBEAT_MAX_AGE, OK, SCHEDULER_MAX_AGE, Check
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.operations.stats_cache import cached, session_host_heartbeat
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.site.doctypes import DEVICE
from whatsapp_integration.site.settings import get_config

TOKEN_CHECK_TIMEOUT = 5.0  # a health answer must not wait out Meta's full request timeout per device


@dataclass(frozen=True)
class DeviceState:
	name: str
	mode: str
	enabled: bool
	state: str | None
	phone_number_id: str | None


def device_states() -> list[DeviceState]:
	fields = ["name", "mode", "enabled", "status", "phone_number_id", "web_state"]
	return [
		DeviceState(
			row.name,
			row.mode,
			bool(row.enabled),
			(row.web_state if row.mode == DeviceMode.WEB else row.status) or None,
			row.phone_number_id,
		)
		for row in frappe.get_all(DEVICE, fields=fields, order_by="name")
	]


def gather_checks() -> list[Check]:
	"""Every part, each isolated: one failing probe never hides the others."""
	checks = [_probe("database", _database), _probe("redis", _redis)]
	checks += [_probe("workers", _workers), _probe("scheduler", _scheduler)]
	devices = _safe_device_states()
	if any(device.mode == DeviceMode.WEB and device.enabled for device in devices):
		checks.append(_probe("session_host", _session_host))
	checks += [health.device_check(d.name, d.mode, d.enabled, d.state) for d in devices]
	checks += [
		token_check(d) for d in devices if d.mode == DeviceMode.OFFICIAL and d.enabled and d.phone_number_id
	]
	return checks


def _probe(name: str, check: Callable[[], Check]) -> Check:
	try:
		return check()
	except Exception as error:
		status = DOWN if name in ("database", "redis") else health.DEGRADED
		return Check(name, status, _("{0}: the check could not run.").format(type(error).__name__))


def _database() -> Check:
	frappe.db.sql("SELECT 1")
	return Check("database", OK)


def _redis() -> Check:
	frappe.cache.ping()
	return Check("redis", OK)


def _workers() -> Check:
	from frappe.utils.background_jobs import get_workers

	return health.workers_check(len(get_workers()))


def _scheduler() -> Check:
	return health.scheduler_check(*scheduler_state(), SCHEDULER_MAX_AGE)


def scheduler_state() -> tuple[bool, float | None]:
	"""Whether the scheduler is enabled, and seconds since any scheduled job last ran (None: never)."""
	from frappe.utils.scheduler import is_scheduler_disabled

	last_run = frappe.db.sql("SELECT MAX(last_execution) FROM `tabScheduled Job Type`")[0][0]
	age = (now_datetime() - last_run).total_seconds() if last_run else None
	return not is_scheduler_disabled(verbose=False), age


def _session_host() -> Check:
	return health.heartbeat_check("session_host", session_host_heartbeat(), time.time(), HEARTBEAT_MAX_AGE)


def _safe_device_states() -> list[DeviceState]:
	try:
		return device_states()
	except Exception:
		return []


def token_check(device: DeviceState) -> Check:
	"""Cached for `stats_cache_ttl`: a GET on the number's node per device, not per health call."""
	return cached(f"token:{device.name}", lambda: _token_check(device))


def _token_check(device: DeviceState) -> Check:
	config = get_config()
	token = get_decrypted_password(DEVICE, device.name, "access_token", raise_exception=False)
	timeout = min(config.request_timeout, TOKEN_CHECK_TIMEOUT)
	client = GraphClient(config.graph_api_root, token or config.access_token, timeout=timeout)
	return health.token_check(client, device.phone_number_id or "", device.name)
