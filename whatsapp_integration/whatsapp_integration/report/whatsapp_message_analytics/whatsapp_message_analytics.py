"""Messages per day and device by status, with summary figures, a funnel and failures by
Meta error code. Aggregated in SQL and cached for Settings' `stats_cache_ttl`.

Everyone counts only the Message Log rows they may read (a WhatsApp User their own). The report's
reference DocType is WhatsApp Device: Frappe opens a report only with *report* permission on it,
which a role limited to its own Message Log rows (`if_owner`) never has on the Message Log."""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.operations.analytics import Analytics, build, percent
from whatsapp_integration.operations.stats_cache import cached
from whatsapp_integration.repositories.analytics import (
	LogFilters,
	failure_counts,
	readable_scope,
	status_counts,
)
from whatsapp_integration.site.doctypes import DEVICE


def execute(filters: dict[str, Any] | None = None) -> tuple:
	log_filters = LogFilters.parse(filters)
	visible, scope = readable_scope()  # a WhatsApp User's figures count only what they may read
	result = cached(f"report:{scope}:{log_filters.cache_key()}", lambda: _compute(log_filters, visible))
	return result["columns"], result["data"], result["message"], result["chart"], result["summary"]


def _compute(filters: LogFilters, visible: str) -> dict[str, Any]:
	analytics = build(status_counts(filters, visible), failure_counts(filters, visible))
	return {
		"columns": _columns(),
		"data": analytics.rows,
		"message": frappe.render_template(_MESSAGE_TEMPLATE, {"analytics": analytics, "_": _}),
		"chart": analytics.chart(),
		"summary": _summary(analytics),
	}


def _columns() -> list[dict[str, Any]]:
	def column(fieldname: str, label: str, fieldtype: str = "Int", width: int = 100, **extra: Any) -> dict:
		return {"fieldname": fieldname, "label": _(label), "fieldtype": fieldtype, "width": width, **extra}

	return [
		column("day", "Date", "Date", 110),
		column("device", "Device", "Link", 180, options=DEVICE),
		column("total", "Messages"),
		column("sent", "Sent"),
		column("delivered", "Delivered"),
		column("read", "Read"),
		column("failed", "Failed"),
		column("queued", "Queued"),
		column("received", "Received"),
		column("delivery_rate", "Delivery %", "Percent"),
		column("read_rate", "Read %", "Percent"),
	]


def _summary(analytics: Analytics) -> list[dict[str, Any]]:
	totals = analytics.totals
	delivery, failure = percent(totals.delivery_rate), percent(totals.failure_rate)
	return [
		{"label": _("Messages"), "value": analytics.message_count, "datatype": "Int", "indicator": "Blue"},
		{"label": _("Sent"), "value": totals.reached_sent, "datatype": "Int", "indicator": "Blue"},
		{"label": _("Delivered"), "value": totals.reached_delivered, "datatype": "Int", "indicator": "Green"},
		{"label": _("Read"), "value": totals.read, "datatype": "Int", "indicator": "Green"},
		{"label": _("Failed"), "value": totals.failed, "datatype": "Int", "indicator": "Red"},
		{"label": _("Received"), "value": analytics.received, "datatype": "Int", "indicator": "Grey"},
		{"label": _("Delivery Rate"), "value": delivery or 0, "datatype": "Percent", "indicator": "Green"},
		{"label": _("Failure Rate"), "value": failure or 0, "datatype": "Percent", "indicator": "Red"},
	]


_MESSAGE_TEMPLATE = """
<div class="whatsapp-analytics-funnel" style="display:flex;gap:2rem;flex-wrap:wrap">
<div style="flex:1;min-width:18rem">
<h5>{{ _("Funnel") }}</h5>
<table class="table table-sm table-bordered">
<thead><tr><th>{{ _("Step") }}</th><th class="text-right">{{ _("Messages") }}</th>
<th class="text-right">{{ _("of Sent") }}</th></tr></thead>
<tbody>
{% for step in analytics.funnel %}
<tr><td>{{ _(step.label) }}</td><td class="text-right">{{ step.count }}</td>
<td class="text-right">{{ "%.1f%%"|format(step.share_of_first * 100) if step.share_of_first is not none else "-" }}</td></tr>
{% endfor %}
<tr><td>{{ _("Failed") }}</td><td class="text-right">{{ analytics.totals.failed }}</td><td></td></tr>
</tbody></table></div>
<div style="flex:2;min-width:24rem">
<h5>{{ _("Failed by error code") }}</h5>
{% if analytics.failures %}
<table class="table table-sm table-bordered">
<thead><tr><th>{{ _("Code") }}</th><th>{{ _("Meta's title") }}</th><th>{{ _("What to do") }}</th>
<th class="text-right">{{ _("Messages") }}</th></tr></thead>
<tbody>
{% for failure in analytics.failures %}
<tr><td>{{ failure.code or "-" }}</td><td>{{ (failure.title or "")|e }}</td><td>{{ (failure.advice or "")|e }}</td>
<td class="text-right">{{ failure.count }}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p class="text-muted">{{ _("No failed messages in this period.") }}</p>{% endif %}
</div></div>
"""
