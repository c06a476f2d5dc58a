"""The WhatsApp workspace's number cards (Number Card type Custom calls these): a role check, then
the figure from `operations.dashboard`."""

from __future__ import annotations

from typing import Any

import frappe

from whatsapp_integration.operations.dashboard import stats
from whatsapp_integration.operations.metrics import webhook_rejections
from whatsapp_integration.site.roles import SENDERS, has_any_role


@frappe.whitelist()
def sent_today(filters: Any = None) -> dict[str, Any]:
	return _card("sent_today", "Int")


@frappe.whitelist()
def delivery_rate_7_days(filters: Any = None) -> dict[str, Any]:
	return _card("delivery_rate_7_days", "Percent")


@frappe.whitelist()
def failed_24_hours(filters: Any = None) -> dict[str, Any]:
	return _card("failed_24_hours", "Int")


@frappe.whitelist()
def devices_working(filters: Any = None) -> dict[str, Any]:
	return _card("devices_working", "Int")


@frappe.whitelist()
def send_latency_p95(filters: Any = None) -> dict[str, Any]:
	return _card("send_latency_p95", "Float")


@frappe.whitelist()
def queue_depth(filters: Any = None) -> dict[str, Any]:
	return _card("queue_depth", "Int")


@frappe.whitelist()
def webhook_rejections_total(filters: Any = None) -> dict[str, Any]:
	_check_can_view()
	return {"value": sum(webhook_rejections().values()), "fieldtype": "Int"}


def _card(figure: str, fieldtype: str) -> dict[str, Any]:
	_check_can_view()
	return {"value": stats()[figure], "fieldtype": fieldtype}


def _check_can_view() -> None:
	if not has_any_role(SENDERS):
		frappe.throw(frappe._("You need a WhatsApp role to see WhatsApp figures."), frappe.PermissionError)
