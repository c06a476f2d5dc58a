"""Bench fixtures of the WhatsApp Notification tests: a submittable test DocType, two approved
templates, rules and documents, and a test case that runs the jobs a commit enqueued in its own
process (fetched from the queue by id), so the bench's other workers never decide a result."""

from __future__ import annotations

import json
import os
from typing import Any

import frappe
import requests
from frappe.tests.utils import FrappeTestCase
from frappe.utils.background_jobs import get_job

from whatsapp_integration.site import notifications
from whatsapp_integration.site.doctypes import NOTIFICATION, REPLY_ACTION, TEMPLATE
from whatsapp_integration.site.roles import SYSTEM_MANAGER, has_any_role
from whatsapp_integration.testing.processes import free_port, wait_until
from whatsapp_integration.tests.campaign_utils import (
	FakeGraphProcess,
	point_settings_at,
)
from whatsapp_integration.tests.utils import unique_digits

DOCTYPE = "WA Test Appointment"
TEMPLATE_NAME = "wn_test_appointment"
PORT = int(os.environ.get("WHATSAPP_NOTIFICATION_GRAPH_PORT") or free_port())
APP_SECRET = "bench-notification-secret"
MANAGER = "wa-notification-manager@example.com"
SENDER = "wa-notification-user@example.com"
SERVE_PORT = int(os.environ.get("WHATSAPP_NOTIFICATION_SERVE_PORT") or free_port())


def site_up(port: int) -> bool:
	try:
		return requests.get(f"http://127.0.0.1:{port}/api/method/ping", timeout=2).ok
	except requests.RequestException:
		return False


def number() -> str:
	return "+9198" + unique_digits(8)


def ensure_test_doctype() -> None:
	if frappe.db.exists("DocType", DOCTYPE):
		return
	fields = [
		{"fieldname": "customer_name", "fieldtype": "Data", "label": "Customer Name"},
		{"fieldname": "mobile_no", "fieldtype": "Data", "label": "Mobile No"},
		{"fieldname": "appointment_date", "fieldtype": "Date", "label": "Appointment Date"},
		{"fieldname": "amount", "fieldtype": "Currency", "label": "Amount"},
		{
			"fieldname": "status",
			"fieldtype": "Select",
			"label": "Status",
			"options": "Open\nConfirmed\nCancelled",
			"default": "Open",
			"allow_on_submit": 1,
		},
	]
	role = {
		"role": "System Manager",
		"read": 1,
		"write": 1,
		"create": 1,
		"submit": 1,
		"cancel": 1,
		"delete": 1,
	}
	frappe.get_doc(
		{
			"doctype": "DocType",
			"name": DOCTYPE,
			"module": "Custom",
			"custom": 1,
			"is_submittable": 1,
			"autoname": "WAAPT-.#####",
			"fields": fields,
			"permissions": [role],
		}
	).insert(ignore_permissions=True)


BODY = {"type": "BODY", "text": "Hi {{1}}, your appointment {{2}} is booked."}
PDF_TEMPLATE_NAME = f"{TEMPLATE_NAME}_pdf"


def ensure_template() -> None:
	"""Two approved templates: the body alone, and the body under a document header."""
	for name, components in (
		(TEMPLATE_NAME, [BODY]),
		(PDF_TEMPLATE_NAME, [{"type": "HEADER", "format": "DOCUMENT"}, BODY]),
	):
		if not frappe.db.exists(TEMPLATE, f"{name}-en_US"):
			frappe.get_doc(
				{
					"doctype": TEMPLATE,
					"template_name": name,
					"language": "en_US",
					"status": "APPROVED",
					"category": "UTILITY",
					"parameter_count": 2,
					"body": BODY["text"],
					"body_examples": "Ada\nWAAPT-00001",
					"components": json.dumps(components),
				}
			).insert(ignore_permissions=True)


def new_rule(event: str, **values: Any) -> str:
	rule = frappe.get_doc(
		{
			"doctype": NOTIFICATION,
			"title": f"Test {event}",
			"document_type": DOCTYPE,
			"event": event,
			"message_type": "Template",
			"template": f"{TEMPLATE_NAME}-en_US",
			"recipients": [{"source": "Document Field", "field": "mobile_no"}],
			"parameters": [
				{"position": 1, "expression": "{{ customer_name | upper }}"},
				{"position": 2, "field": "name"},
			],
			**values,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return rule.name


def new_appointment(to: str, submit: bool = False, **values: Any) -> Any:
	doc = frappe.get_doc({"doctype": DOCTYPE, "customer_name": "Ada", "mobile_no": to, **values}).insert()
	if submit:
		doc.submit()
	return doc


class NotificationTestCase(FrappeTestCase):
	"""The fake Graph API process for the class, this run's rules cleared after each test, and
	helpers that run a job a commit enqueued here."""

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_test_doctype()
		ensure_template()
		frappe.db.delete(NOTIFICATION, {"document_type": DOCTYPE})  # rules a crashed run left
		frappe.db.delete(REPLY_ACTION, {"reference_doctype": DOCTYPE})
		frappe.db.commit()
		notifications.clear_rules_cache()
		cls.graph = FakeGraphProcess(PORT)
		point_settings_at(cls.graph, app_secret=APP_SECRET)

	@classmethod
	def tearDownClass(cls) -> None:
		cls.graph.stop()
		frappe.db.delete(NOTIFICATION, {"document_type": DOCTYPE})
		frappe.db.delete(REPLY_ACTION, {"reference_doctype": DOCTYPE})
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self) -> None:
		self.graph.reset()

	def tearDown(self) -> None:
		frappe.db.rollback()
		frappe.db.set_value(NOTIFICATION, {"document_type": DOCTYPE}, "enabled", 0)
		frappe.db.commit()
		notifications.clear_rules_cache()

	def sent_to(self, to: str) -> list[dict[str, Any]]:
		return [r["body"] for r in self.graph.requests() if r["body"].get("to") == to.lstrip("+")]

	def run_job(self, job: str) -> dict[str, Any]:
		"""Run the job `job` (enqueued by a commit) here; returns its arguments."""
		wait_until(lambda: get_job(job) is not None, 30, f"the job {job}")
		queued = get_job(job).kwargs
		frappe.get_attr(queued["method"])(**queued["kwargs"])
		frappe.db.commit()
		return queued["kwargs"]

	def run_notification(self, doc: Any) -> dict[str, Any]:
		return self.run_job(notifications.job_id(doc.doctype, doc.name, str(doc.modified)))

	def wait_for(self, to: str, count: int = 1) -> list[dict[str, Any]]:
		try:
			wait_until(lambda: len(self.sent_to(to)) >= count, 60, f"{count} message(s) to {to}")
		except AssertionError as timeout:
			frappe.db.rollback()
			runs = frappe.get_all(
				NOTIFICATION, {"document_type": DOCTYPE}, ["name", "last_run_summary", "last_error"]
			)
			raise AssertionError(f"{timeout}; the rules' last runs: {runs}") from None
		return self.sent_to(to)


REPLY_CALLS = "whatsapp:test:reply_calls"


@frappe.whitelist()
def record_reply(message_log: str, action: str) -> None:
	"""The target of the bench tests' Call Method reply action (System Managers only): notes its call."""
	if not has_any_role((SYSTEM_MANAGER,)):
		frappe.throw(frappe._("Not permitted"), frappe.PermissionError)
	frappe.cache.set_value(REPLY_CALLS, [message_log, action])
