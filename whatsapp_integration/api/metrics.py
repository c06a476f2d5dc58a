"""`prometheus`: the app's metrics in Prometheus text format, for a scraper holding the token."""

from __future__ import annotations

import hmac

import frappe
from frappe import _
from werkzeug.wrappers import Response

from whatsapp_integration.core.operations.prometheus import CONTENT_TYPE, render
from whatsapp_integration.operations.metrics import collect, families
from whatsapp_integration.site.settings import get_config

ENDPOINT = "whatsapp_integration.api.metrics.prometheus"
# Who a request with a valid metrics token runs as: no User row, so no roles and no desk access.
SCRAPER = "whatsapp-metrics-scraper"


def authenticate_scraper() -> None:
	"""An `auth_hooks` entry. Frappe answers 401 to any request with a two-part Authorization
	header it cannot turn into a user (it takes `Bearer` for OAuth); for this endpoint only, a
	valid metrics token identifies the scraper, so its request reaches `prometheus`."""
	if frappe.request.path.rstrip("/") not in (f"/api/method/{ENDPOINT}", f"/api/v2/method/{ENDPOINT}"):
		return
	if _refusal(frappe.get_request_header("Authorization") or "") is None:
		frappe.set_user(SCRAPER)


@frappe.whitelist(allow_guest=True, methods=["GET"])
def prometheus() -> Response:
	"""Needs `Authorization: Bearer <Metrics Token from WhatsApp Integration Settings>`; without a
	token in Settings the endpoint stays closed."""
	refusal = _refusal(frappe.get_request_header("Authorization") or "")
	if refusal:
		status, text = refusal
		return Response(text + "\n", status=status, content_type=CONTENT_TYPE)
	return Response(render(families(collect())), status=200, content_type=CONTENT_TYPE)


def _refusal(header: str) -> tuple[int, str] | None:
	"""(HTTP status, reason) when the request may not read the metrics, else None."""
	expected = get_config().metrics_token
	if not expected:
		return 403, _("Metrics are off: set a Metrics Token in WhatsApp Integration Settings.")
	scheme, _space, given = header.partition(" ")
	if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
		return 401, _("Send the Metrics Token from WhatsApp Integration Settings as a Bearer token.")
	return None
