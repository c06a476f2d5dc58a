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
	# the result holds translated words: one cached copy per language
	key = f"report:{frappe.local.lang}:{scope}:{log_filters.cache_key()}"
	result = cached(key, lambda: _compute(log_filters, visible))
	return result["columns"], result["data"], result["message"], result["chart"], result["summary"]


def _compute(filters: LogFilters, visible: str) -> dict[str, Any]:
	analytics = build(status_counts(filters, visible), failure_counts(filters, visible))
	return {
		"columns": _columns(),
		"data": analytics.rows,
		"message": frappe.render_template(
			_MESSAGE_TEMPLATE, {"analytics": analytics, "labels": _labels(), "_": _}
		),
		"chart": _chart(analytics),
		"summary": _summary(analytics),
	}


def _columns() -> list[dict[str, Any]]:
	def column(fieldname: str, label: str, fieldtype: str = "Int", width: int = 100, **extra: Any) -> dict:
		return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **extra}

	# literal _() calls: the translation extractor finds only those
	return [
		column("day", _("Date"), "Date", 110),
		column("device", _("Device"), "Link", 180, options=DEVICE),
		column("total", _("Messages")),
		column("sent", _("Sent")),
		column("delivered", _("Delivered")),
		column("read", _("Read")),
		column("failed", _("Failed")),
		column("queued", _("Queued")),
		column("received", _("Received")),
		column("delivery_rate", _("Delivery %"), "Percent", 120),
		column("read_rate", _("Read %"), "Percent", 120),
	]


def _chart(analytics: Analytics) -> dict[str, Any]:
	"""The chart with its statuses in the user's language (core names them in English)."""
	chart = analytics.chart()
	for dataset in chart["data"]["datasets"]:
		dataset["name"] = _(dataset["name"])
	return chart


def _labels() -> dict[str, str]:
	"""The funnel and failure tables' words, here rather than in the template so that the
	translation extractor finds them."""
	return {
		"funnel": _("Funnel"),
		"step": _("Step"),
		"messages": _("Messages"),
		"of_sent": _("of Sent"),
		"failed": _("Failed"),
		"failed_by_code": _("Failed by error code"),
		"code": _("Code"),
		"meta_title": _("Meta's title"),
		"advice": _("What to do"),
		"no_failures": _("No failed messages in this period."),
	}


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
<h5>{{ labels.funnel }}</h5>
<table class="table table-sm table-bordered">
<thead><tr><th>{{ labels.step }}</th><th class="text-right">{{ labels.messages }}</th>
<th class="text-right">{{ labels.of_sent }}</th></tr></thead>
<tbody>
{% for step in analytics.funnel %}
<tr><td>{{ _(step.label) }}</td><td class="text-right">{{ step.count }}</td>
<td class="text-right">{{ "%.1f%%"|format(step.share_of_first * 100) if step.share_of_first is not none else "-" }}</td></tr>
{% endfor %}
<tr><td>{{ labels.failed }}</td><td class="text-right">{{ analytics.totals.failed }}</td><td></td></tr>
</tbody></table></div>
<div style="flex:2;min-width:24rem">
<h5>{{ labels.failed_by_code }}</h5>
{% if analytics.failures %}
<table class="table table-sm table-bordered">
<thead><tr><th>{{ labels.code }}</th><th>{{ labels.meta_title }}</th><th>{{ labels.advice }}</th>
<th class="text-right">{{ labels.messages }}</th></tr></thead>
<tbody>
{% for failure in analytics.failures %}
<tr><td>{{ failure.code or "-" }}</td><td>{{ (failure.title or "")|e }}</td><td>{{ (failure.advice or "")|e }}</td>
<td class="text-right">{{ failure.count }}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p class="text-muted">{{ labels.no_failures }}</p>{% endif %}
</div></div>
"""
