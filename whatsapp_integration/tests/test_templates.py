"""Template authoring on a real site: a WhatsApp Template created and submitted from the desk API
against the fake Graph API (a free port, or WHATSAPP_TEMPLATE_GRAPH_PORT), its approval and a pause
received as signed webhooks over HTTP (`bench serve` started here on a free port,
WHATSAPP_TEMPLATE_SERVE_PORT), the pause stopping a running campaign and a notification.

Run: CI=1 bench --site c1.localhost run-tests --module whatsapp_integration.tests.test_templates
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import frappe
import requests
from frappe.core.doctype.user.user import generate_keys
from frappe.tests.utils import FrappeTestCase
from frappe.utils import escape_html, get_bench_path

from whatsapp_integration.api import templates as api
from whatsapp_integration.core.webhook import sign
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.doctypes import CAMPAIGN, NOTIFICATION, TEMPLATE
from whatsapp_integration.site.services import webhook_inbox
from whatsapp_integration.testing import fake_graph_templates, webhook_payloads
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.processes import free_port, start_process, stop_process, wait_until
from whatsapp_integration.tests.utils import (
	TEST_TOKEN,
	configure_settings,
	ensure_device,
	ensure_user,
	unique_digits,
)

GRAPH_PORT = int(os.environ.get("WHATSAPP_TEMPLATE_GRAPH_PORT") or free_port())
SERVE_PORT = int(os.environ.get("WHATSAPP_TEMPLATE_SERVE_PORT") or free_port())
APP_SECRET = "template-test-secret-5d2e"
APP_ID = "987654321"
WABA_ID = unique_digits(15)
DEVICE = "_Test Template Device"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" * 20
MANAGER = "wa-template-manager@example.com"  # receives the alert
DEADLINE = 600  # polled; bounds only a real hang of the server on a busy machine


def new_template(**values: Any) -> str:
	doc = frappe.get_doc(
		{
			"doctype": TEMPLATE,
			"template_name": "order_" + frappe.generate_hash(length=10).lower(),
			"language": "en_US",
			"category": "UTILITY",
			"device": DEVICE,
			"body": "Hi {{1}}, your invoice {{2}} is ready.",
			"body_examples": "Ada\nINV-1",
			"footer": "Thank you",
			"buttons": [{"button_type": "QUICK_REPLY", "text": "Thanks"}],
			**values,
		}
	)
	doc.insert()
	frappe.db.commit()
	return doc.name


def pdf_file() -> str:
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"sample-{frappe.generate_hash(length=6)}.pdf",
			"content": PDF,
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	return file.file_url


class TemplateSiteTestCase(FrappeTestCase):
	graph: FakeGraphApi

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.graph = FakeGraphApi(access_token=TEST_TOKEN, port=GRAPH_PORT).start()
		configure_settings(
			graph_api_base_url=cls.graph.url,
			access_token=TEST_TOKEN,
			meta_app_id=APP_ID,
			app_secret=APP_SECRET,
		)
		ensure_device(DEVICE, phone_number_id=unique_digits(15), waba_id=WABA_ID, is_default=0)
		ensure_user(MANAGER, ("WhatsApp Manager",))

	def setUp(self) -> None:
		self.graph.reset()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.graph.stop()
		super().tearDownClass()


class TestTemplateAuthoring(TemplateSiteTestCase):
	def test_create_and_submit_with_a_document_header(self) -> None:
		name = new_template(header_format="DOCUMENT", header_sample=pdf_file())
		answer = api.submit(name)
		doc = frappe.get_doc(TEMPLATE, name)
		self.assertEqual((answer["status"], doc.status), ("PENDING", "PENDING"))
		self.assertTrue(doc.meta_id)
		(handle,) = fake_graph_templates.uploaded(self.graph)
		self.assertEqual(fake_graph_templates.uploaded(self.graph)[handle]["data"], PDF)
		created = self.graph.state.area("templates")["created"][-1]
		self.assertEqual(created["waba_id"], WABA_ID)
		self.assertEqual(created["components"], json.loads(doc.components))
		self.assertEqual(json.loads(doc.components)[0]["example"], {"header_handle": [handle]})
		self.assertEqual(doc.header_handle, handle)

	def test_what_meta_would_refuse_is_refused_on_save_with_what_to_fix(self) -> None:
		with self.assertRaises(frappe.ValidationError) as refused:
			new_template(body="{{1}} is the body {{2}}", body_examples="a")
		self.assertIn("cannot start or end with a variable", str(refused.exception))
		self.assertIn("one example per variable", str(refused.exception))
		self.assertEqual(self.graph.requests, [])

	def test_metas_refusal_is_shown_with_its_reason(self) -> None:
		name = new_template()
		api.submit(name)
		frappe.db.set_value(TEMPLATE, name, {"meta_id": None, "status": "DRAFT"})  # as if never submitted
		with self.assertRaises(frappe.ValidationError) as refused:
			api.submit(name)
		self.assertIn("Content in This Language Already Exists", str(refused.exception))
		self.assertIn(escape_html("There's already en_US content"), str(refused.exception))  # shown as text

	def test_a_refusal_before_any_request_is_shown_as_text(self) -> None:
		name = new_template(header_format="IMAGE", header_sample=pdf_file())  # a PDF is no image sample
		with self.assertRaises(frappe.ValidationError) as refused:
			api.submit(name)
		self.assertIn("must be image/jpeg or image/png, not application/pdf", str(refused.exception))
		self.assertEqual(self.graph.requests, [])

	def test_the_sync_fills_the_form_and_a_paused_template_stops_its_campaign(self) -> None:
		name = new_template(header_format="TEXT", header_text="Invoice {{1}}", header_example="INV-1")
		api.submit(name)
		campaign = running_campaign(name)
		frappe.db.set_value(
			TEMPLATE, name, {"body": "", "body_examples": "", "footer": ""}
		)  # only Meta's copy left
		for template in self.graph.state.templates:
			mine = template["id"] == frappe.db.get_value(TEMPLATE, name, "meta_id")
			template.update(
				status="PAUSED" if mine else "APPROVED", quality_score={"score": "RED" if mine else "GREEN"}
			)
		site_campaigns.sync_templates(DEVICE)
		doc = frappe.get_doc(TEMPLATE, name)
		self.assertEqual(
			(doc.status, doc.body, doc.body_examples),
			("PAUSED", "Hi {{1}}, your invoice {{2}} is ready.", "Ada\nINV-1"),
		)
		self.assertEqual(
			(doc.header_text, doc.header_example, doc.footer), ("Invoice {{1}}", "INV-1", "Thank you")
		)
		self.assertEqual([(b.button_type, b.text) for b in doc.buttons], [("QUICK_REPLY", "Thanks")])
		self.assertEqual(frappe.db.get_value(CAMPAIGN, campaign, "status"), "Paused")
		self.assertIn("PAUSED at Meta", frappe.db.get_value(CAMPAIGN, campaign, "status_reason"))
		self.assertEqual(doc.quality_rating, "RED")

	def test_the_preview_renders_examples_escaped(self) -> None:
		html = api.preview(
			json.dumps({"body": "Hi {{1}} <b>x</b>", "body_examples": "<img src=x onerror=alert(1)>"})
		)
		self.assertIn("&lt;img src=x onerror=alert(1)&gt;", html)
		self.assertNotIn("<img", html)


def running_campaign(template: str) -> str:
	doc = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"campaign_name": f"Template pause {template}",
			"device": DEVICE,
			"message_type": "template",
			"template": template,
			"template_parameters": "Ada\nINV-1",
		}
	).insert(ignore_permissions=True)
	frappe.db.set_value(CAMPAIGN, doc.name, "status", "Running")  # the state a started campaign is in
	frappe.db.commit()
	return doc.name


def enabled_notification(template: str) -> str:
	"""A WhatsApp Notification rule that sends `template` (only the fields the stop rule reads)."""
	doc = frappe.get_doc(
		{
			"doctype": NOTIFICATION,
			"title": f"Invoice ready {template}",
			"document_type": "ToDo",
			"event": "New",
		}
	)
	doc.update({"enabled": 1, "message_type": "Template", "template": template, "device": DEVICE})
	doc.flags.ignore_validate = doc.flags.ignore_mandatory = True
	doc.insert(ignore_permissions=True)
	frappe.db.commit()
	return doc.name


def post_signed(change: dict[str, Any]) -> requests.Response:
	raw = webhook_payloads.encode(
		{"object": "whatsapp_business_account", "entry": [{"id": WABA_ID, "changes": [change]}]}
	)
	return requests.post(
		f"http://127.0.0.1:{SERVE_PORT}/api/method/whatsapp_integration.api.webhook.receive",
		data=raw,
		headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)},
		timeout=30,
	)


def server_up() -> bool:
	try:
		return requests.get(f"http://127.0.0.1:{SERVE_PORT}/api/method/ping", timeout=2).ok
	except requests.RequestException:
		return False


class TestTemplateWebhooks(TemplateSiteTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		command = (sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site)
		command += ("serve", "--port", str(SERVE_PORT), "--noreload")
		cls.server = start_process(command, "template-test-serve.log", cwd=Path(get_bench_path()) / "sites")
		wait_until(server_up, DEADLINE, f"bench serve on port {SERVE_PORT}")

	@classmethod
	def tearDownClass(cls) -> None:
		stop_process(cls.server)
		super().tearDownClass()

	def submit_over_http(self, name: str) -> dict[str, Any]:
		"""Submit to Meta as the desk does: the whitelisted method over HTTP, with API keys."""
		secret = generate_keys("Administrator")["api_secret"]
		key = frappe.db.get_value("User", "Administrator", "api_key")
		frappe.db.commit()
		answer = requests.post(
			f"http://127.0.0.1:{SERVE_PORT}/api/method/whatsapp_integration.api.templates.submit",
			json={"name": name},
			headers={"Authorization": f"token {key}:{secret}"},
			timeout=60,
		)
		self.assertEqual(answer.status_code, 200, answer.text[:500])
		return answer.json()["message"]

	def deliver(self, change: dict[str, Any]) -> None:
		"""POST it signed to the live server, then apply the inbox here (no worker runs)."""
		self.assertEqual(post_signed(change).status_code, 200)
		frappe.db.rollback()  # a fresh snapshot sees what the server committed
		webhook_inbox().drain(seconds=30)
		frappe.db.rollback()

	def test_approval_then_pause_stops_the_running_campaign_and_notification(self) -> None:
		name = new_template()
		self.assertEqual(self.submit_over_http(name)["status"], "PENDING")
		frappe.db.rollback()  # a fresh snapshot sees what the server committed
		doc = frappe.get_doc(TEMPLATE, name)
		self.assertEqual(json.loads(doc.components)[0]["text"], "Hi {{1}}, your invoice {{2}} is ready.")
		change = webhook_payloads.template_status_change
		self.deliver(change(doc.meta_id, doc.template_name, "APPROVED"))
		self.assertEqual(frappe.db.get_value(TEMPLATE, name, "status"), "APPROVED")
		campaign = running_campaign(name)
		notification = enabled_notification(name)
		self.deliver(
			change(
				doc.meta_id,
				doc.template_name,
				"PAUSED",
				other_info={"title": "FIRST_PAUSE", "description": "Customers reported it"},
			)
		)
		self.assertEqual(frappe.db.get_value(TEMPLATE, name, "status"), "PAUSED")
		status, reason = frappe.db.get_value(CAMPAIGN, campaign, ["status", "status_reason"])
		self.assertEqual(status, "Paused")
		self.assertIn(
			f"{doc.template_name} (en_US) is PAUSED at Meta: FIRST_PAUSE; Customers reported it", reason
		)
		self.assertEqual(frappe.db.get_value(NOTIFICATION, notification, "enabled"), 0)
		self.assertIn("PAUSED at Meta", frappe.db.get_value(NOTIFICATION, notification, "disabled_reason"))
		self.assertIn(campaign, frappe.db.get_value(TEMPLATE, name, "status_reason"))
		alert = {"for_user": MANAGER, "subject": ("like", f"%{name}%PAUSED%")}
		self.assertIn(campaign, frappe.db.get_value("Notification Log", alert, "email_content") or "")

	def test_quality_and_category_webhooks(self) -> None:
		name = new_template()
		api.submit(name)
		meta_id, template = frappe.db.get_value(TEMPLATE, name, ["meta_id", "template_name"])
		self.deliver(
			webhook_payloads.template_change(
				"message_template_quality_update",
				meta_id,
				template,
				previous_quality_score="GREEN",
				new_quality_score="YELLOW",
			)
		)
		self.deliver(
			webhook_payloads.template_change(
				"template_category_update",
				meta_id,
				template,
				previous_category="UTILITY",
				new_category="MARKETING",
			)
		)
		self.assertEqual(
			frappe.db.get_value(TEMPLATE, name, ["quality_rating", "category"]), ("YELLOW", "MARKETING")
		)
