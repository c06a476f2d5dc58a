"""Aggregates of WhatsApp Message Log, computed in SQL (GROUP BY): a few grouped rows come back,
never one query per message. Served by the (creation, direction, device, status) index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import frappe
from frappe.model.db_query import DatabaseQuery
from frappe.utils import getdate

from whatsapp_integration.core.errors import MetaCode
from whatsapp_integration.core.operations.analytics import FailureCount, StatusCount
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.site.doctypes import CAMPAIGN_RECIPIENT, MESSAGE_LOG

LATENCY_SAMPLE_LIMIT = 20_000


@dataclass(frozen=True)
class LogFilters:
	from_date: date
	to_date: date
	device: str | None = None
	campaign: str | None = None
	direction: str | None = None

	@classmethod
	def parse(cls, filters: dict[str, Any] | None) -> LogFilters:
		filters = filters or {}
		to_date = getdate(filters.get("to_date") or None)
		from_date = getdate(filters.get("from_date") or (to_date - timedelta(days=29)))
		return cls(
			from_date=from_date,
			to_date=to_date,
			device=filters.get("device") or None,
			campaign=filters.get("campaign") or None,
			direction=filters.get("direction") or None,
		)

	def cache_key(self) -> str:
		parts = (self.from_date, self.to_date, self.device, self.campaign, self.direction)
		return ":".join(str(part or "") for part in parts)


def readable_scope() -> tuple[str, str]:
	"""SQL that limits Message Log rows to those the session user may read ("" when all), from
	Frappe's own conditions (role `if_owner`, user permissions, shares, query hooks), and a cache
	key of that scope: users who may read the same rows share cached figures."""
	visible = DatabaseQuery(MESSAGE_LOG).build_match_conditions()
	return visible, hashlib.sha256(visible.encode()).hexdigest()[:16] if visible else "all"


def _visible(where: str, visible: str) -> str:
	"""`where` and the caller's `readable_scope()` condition (escaped for a query with values)."""
	return f"{where} AND ({visible.replace('%', '%%')})" if visible else where


def _where(filters: LogFilters) -> tuple[str, dict[str, Any]]:
	# creation < the day after to_date (not DATE(creation) <= ...) so the index range applies.
	clauses = ["creation >= %(start)s", "creation < %(end)s"]
	values: dict[str, Any] = {
		"start": datetime.combine(filters.from_date, datetime.min.time()),
		"end": datetime.combine(filters.to_date + timedelta(days=1), datetime.min.time()),
	}
	for fieldname in ("device", "direction"):
		if getattr(filters, fieldname):
			clauses.append(f"`{fieldname}` = %({fieldname})s")
			values[fieldname] = getattr(filters, fieldname)
	if filters.campaign:
		clauses.append(_campaign_clause())
		values["campaign"] = filters.campaign
	return " AND ".join(clauses), values


def _campaign_clause() -> str:
	"""A campaign's messages: its recipient rows link the Message Log they sent."""
	return f"""name IN (SELECT message_log FROM `tab{CAMPAIGN_RECIPIENT}`
		WHERE campaign = %(campaign)s AND message_log IS NOT NULL)"""


def status_counts(filters: LogFilters, visible: str = "") -> list[StatusCount]:
	where, values = _where(filters)
	rows = frappe.db.sql(
		f"""SELECT DATE(creation) AS day, device, status, COUNT(*) AS count
		FROM `tab{MESSAGE_LOG}` WHERE {_visible(where, visible)}
		GROUP BY DATE(creation), device, status""",
		values,
	)
	return [StatusCount(getdate(day), device, status, int(count)) for day, device, status, count in rows]


def failure_counts(filters: LogFilters, visible: str = "") -> list[FailureCount]:
	where, values = _where(filters)
	rows = frappe.db.sql(
		f"""SELECT error_code, MAX(error_title), COUNT(*) FROM `tab{MESSAGE_LOG}`
		WHERE {_visible(where, visible)} AND status = 'Failed' GROUP BY error_code ORDER BY COUNT(*) DESC""",
		values,
	)
	return [FailureCount(code or None, title, int(count)) for code, title, count in rows]


def outbound_status_counts_since(since: datetime, visible: str = "") -> dict[tuple[str | None, str], int]:
	"""Outbound messages created since `since` (of those `visible`), by (device, status)."""
	where = _visible("creation >= %(since)s AND direction = 'Outbound'", visible)
	rows = frappe.db.sql(
		f"""SELECT device, status, COUNT(*) FROM `tab{MESSAGE_LOG}`
		WHERE {where} GROUP BY device, status""",
		{"since": since},
	)
	return {(device, status): int(count) for device, status, count in rows}


def send_latencies_since(since: datetime, visible: str = "") -> dict[str, list[float]]:
	"""Seconds from creation to `sent_at` of recent sends, per device (newest rows first, capped)."""
	where = _visible("creation >= %(since)s AND direction = 'Outbound' AND sent_at IS NOT NULL", visible)
	rows = frappe.db.sql(
		f"""SELECT device, TIMESTAMPDIFF(MICROSECOND, creation, sent_at) / 1000000
		FROM `tab{MESSAGE_LOG}`
		WHERE {where}
		ORDER BY creation DESC LIMIT %(limit)s""",
		{"since": since, "limit": LATENCY_SAMPLE_LIMIT},
	)
	latencies: dict[str, list[float]] = {}
	for device, seconds in rows:
		latencies.setdefault(device or "", []).append(float(seconds))
	return latencies


def queue_depth(visible: str = "") -> dict[str, int]:
	where = _visible("status = 'Queued'", visible)
	rows = frappe.db.sql(f"SELECT device, COUNT(*) FROM `tab{MESSAGE_LOG}` WHERE {where} GROUP BY device", {})
	return {device or "": int(count) for device, count in rows}


def failures_by_device_since(since: datetime) -> dict[str, int]:
	rows = frappe.db.sql(
		f"""SELECT device, COUNT(*) FROM `tab{MESSAGE_LOG}`
		WHERE creation >= %(since)s AND status = 'Failed' AND direction = 'Outbound' GROUP BY device""",
		{"since": since},
	)
	return {device or "": int(count) for device, count in rows}


def expired_token_devices_since(since: datetime) -> list[str]:
	"""Devices with a send refused for an expired token (Meta error 190) since `since`."""
	return frappe.db.sql_list(
		f"""SELECT DISTINCT device FROM `tab{MESSAGE_LOG}`
		WHERE modified >= %(since)s AND status = %(failed)s AND error_code = %(code)s""",
		{"since": since, "failed": MessageStatus.FAILED, "code": int(MetaCode.TOKEN_EXPIRED)},
	)
