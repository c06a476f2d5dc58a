"""The alert job: find open incidents, alert each new one once (Notification Log and email to
WhatsApp Managers). Detection rules and de-duplication live in core/operations/alerts.py."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.user import get_users_with_role

from whatsapp_integration.core.number_health import KINDS as NUMBER_HEALTH_KINDS
from whatsapp_integration.core.operations import alerts
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.operations.health import is_token_expired
from whatsapp_integration.core.operations.metrics import increase
from whatsapp_integration.core.templates.status import TEMPLATE_BLOCKED
from whatsapp_integration.operations.health import device_states, token_check
from whatsapp_integration.operations.metrics import webhook_rejections
from whatsapp_integration.operations.stats_cache import record_counter
from whatsapp_integration.repositories import analytics
from whatsapp_integration.repositories.redis_stores import RedisIncidentStore
from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.doctypes import DEVICE, TEMPLATE
from whatsapp_integration.site.errors import translated
from whatsapp_integration.site.roles import MANAGERS
from whatsapp_integration.site.settings import get_config

# An incident stays one alert while it recurs within this time; gone this long, it is over.
INCIDENT_TTL = 6 * 3600
WINDOW = 3600
SESSION_STATES_KEY = cache_keys.name("alerts", "session_states")
SIGNATURE_REASONS = ("bad_signature", "missing_signature")


def check_and_alert() -> list[Incident]:
	"""Run by the scheduler every five minutes; returns the incidents that were alerted."""
	fresh = alerts.new_incidents(open_incidents(), incident_store(), INCIDENT_TTL)
	for incident in fresh:
		notify(incident)
	return fresh


def raise_incident(incident: Incident) -> None:
	"""Alert `incident` unless it is already open (one alert per incident TTL)."""
	for fresh in alerts.new_incidents([incident], incident_store(), INCIDENT_TTL):
		notify(fresh)


def incident_store() -> RedisIncidentStore:
	return RedisIncidentStore(frappe.cache, cache_keys.site_prefix("alert"))


def open_incidents() -> list[Incident]:
	config = get_config()
	since = now_datetime() - timedelta(seconds=WINDOW)
	failures = analytics.failures_by_device_since(since)
	return [
		*alerts.device_failure_incidents(failures, config.alert_failure_threshold),
		*alerts.session_lost_incidents(*_session_states()),
		*alerts.token_expired_incidents(_expired_token_devices(since)),
		*alerts.signature_failure_incidents(
			_signature_failures_last_hour(), config.alert_signature_failure_threshold
		),
	]


def _session_states() -> tuple[dict[str, str], dict[str, str]]:
	"""(states at the last check, states now) of enabled Web devices; remembers the new ones."""
	current = {d.name: d.state or "" for d in device_states() if d.mode == "Web" and d.enabled}
	previous = json.loads(frappe.cache.get_value(SESSION_STATES_KEY) or "{}")
	frappe.cache.set_value(SESSION_STATES_KEY, json.dumps(current))
	return previous, current


def _expired_token_devices(since: object) -> set[str]:
	refused = set(analytics.expired_token_devices_since(since))
	for device in device_states():
		if device.mode == "Official" and device.enabled and device.phone_number_id:
			if is_token_expired(token_check(device)):
				refused.add(device.name)
	return refused


def _signature_failures_last_hour() -> int:
	counts = webhook_rejections()
	total = sum(counts.get(reason, 0) for reason in SIGNATURE_REASONS)
	now = time.time()
	return int(increase(record_counter("webhook_signature_failures", total, now), now, WINDOW))


WEBHOOK_EVENT_FAILED = "webhook_event_failed"


def alert_webhook_event_failed(name: str, attempts: int, error: str) -> None:
	"""An inbox row gave up (its processing crashed `attempts` times): what Meta sent in it is
	not applied. One alert per incident TTL however many rows give up (a bug fails them all)."""
	incident = Incident(
		WEBHOOK_EVENT_FAILED,
		"inbox",
		_("A WhatsApp webhook event could not be processed ({0})").format(name),
		_(
			"WhatsApp Webhook Event {0} failed {1} times and is no longer retried; the messages "
			"and statuses in it are not applied. Last error: {2}. Fix the cause (see Error Log), "
			"then set the event's State back to Queued."
		).format(name, attempts, error[:500]),
	)
	raise_incident(incident)


LINKED_NUMBER_MISMATCH = "linked_number_mismatch"


def alert_linked_number_mismatch(device: str, expected: str, linked: str) -> None:
	"""A phone other than the device's own number scanned the QR code: messages now go out
	from that account."""
	incident = Incident(
		LINKED_NUMBER_MISMATCH,
		device,
		_("WhatsApp device {0} is linked to another number").format(device),
		_(
			"The WhatsApp Web session of device {0} was linked by {1}, not by the device's number {2}. "
			"Messages from this device now go out from {1}. If that is wrong, click Log out on the "
			"device and link it again with the right phone."
		).format(device, linked, expected),
	)
	raise_incident(incident)


def recipients() -> list[str]:
	for role in MANAGERS:
		users = [user for user in get_users_with_role(role) if user not in ("Administrator", "Guest")]
		if users:
			return users
	return []


def notify(incident: Incident) -> None:
	"""Tell the managers, in the site's language (a background job runs in it)."""
	users = recipients()
	title, message = translated(incident.title), translated(incident.message)
	for user in users:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"subject": title,
				"email_content": message,
				"link": _link(incident),
			}
		).insert(ignore_permissions=True)
	if users:
		try:
			frappe.sendmail(recipients=users, subject=title, message=message, delayed=True)
		except frappe.OutgoingEmailError:  # no outgoing Email Account: the Notification Log still shows it
			frappe.log_error(f"WhatsApp alert email not sent: {title}")


def _link(incident: Incident) -> str:
	about_device = incident.kind.partition(":")[0] in (
		alerts.SESSION_LOST,
		alerts.DEVICE_FAILURES,
		alerts.TOKEN_EXPIRED,
		LINKED_NUMBER_MISMATCH,
		*NUMBER_HEALTH_KINDS,  # kinds like number_quality:RED
	)
	if about_device and frappe.db.exists(DEVICE, incident.subject):
		return f"/app/whatsapp-device/{incident.subject}"
	if incident.kind == alerts.SESSION_HOST_DOWN:
		return "/app/whatsapp-device?mode=Web"
	if incident.kind.startswith(f"{TEMPLATE_BLOCKED}:") and frappe.db.exists(TEMPLATE, incident.subject):
		return f"/app/whatsapp-template/{incident.subject}"
	if incident.kind == WEBHOOK_EVENT_FAILED:
		return "/app/whatsapp-webhook-event?state=Failed"
	return "/app/whatsapp-message-log"
