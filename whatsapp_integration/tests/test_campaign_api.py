"""The Campaign form's endpoints on a real site: recipients from DocTypes and CSV, test send,
template sync and the parameter check, permissions. The fake Graph API runs in this process."""

from __future__ import annotations

import json

import frappe

from whatsapp_integration.api import campaigns as api
from whatsapp_integration.tests.campaign_utils import CAMPAIGN, RECIPIENT, new_campaign, numbers, states
from whatsapp_integration.tests.utils import (
	RUN_ID,
	TEST_DEVICE,
	FakeGraphTestCase,
	customer_wrote,
	ensure_user,
)

MANAGER = "campaign-api-manager@example.com"
OUTSIDER = "campaign-api-outsider@example.com"
# This run's Contacts' designation and CSV numbers: other runs' Contacts and opt-outs do not count
RETAIL, WHOLESALE = f"Retail {RUN_ID}", f"Wholesale {RUN_ID}"
CSV = [recipient.number for recipient in numbers(7, start=9_000_000)]
TEMPLATES = [
	{
		"id": "1001",
		"name": "order_shipped",
		"language": "en_US",
		"status": "APPROVED",
		"category": "UTILITY",
		"components": [{"type": "BODY", "text": "Hi {{1}}, order {{2}} has shipped."}],
	}
]


class TestCampaignApi(FakeGraphTestCase):
	acting_user = MANAGER

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		frappe.db.set_value("WhatsApp Device", TEST_DEVICE, "waba_id", "WABA-TEST")
		frappe.db.commit()
		ensure_user(MANAGER, ("WhatsApp Manager",))
		ensure_user(OUTSIDER, ("Blogger",))
		for index, (group, recipient) in enumerate(
			zip((RETAIL, RETAIL, WHOLESALE), numbers(3, start=9_100_000), strict=True)
		):
			_contact(f"Campaign Contact {index} {RUN_ID}", recipient.number, group)

	def test_recipients_from_a_doctype_with_filters_carry_their_fields(self) -> None:
		frappe.set_user("Administrator")  # reads Contacts: a WhatsApp Manager alone may not
		name = new_campaign([], message="Hi {{ first_name }} from {{ designation }}")
		summary = api.add_recipients(name, "Contact", json.dumps({"designation": RETAIL}))
		self.assertEqual((summary["total"], summary["to_send"]), (2, 2))
		row = frappe.get_all(RECIPIENT, filters={"campaign": name}, fields=["reference_doctype", "context"])[
			0
		]
		self.assertEqual(row.reference_doctype, "Contact")
		self.assertEqual(json.loads(row.context)["designation"], RETAIL)

	def test_csv_import_reports_invalid_and_duplicate_numbers(self) -> None:
		name = new_campaign([])
		csv_text = f"number,name,city\n{CSV[1]},Ann,Pune\n{CSV[1]},Ann again,Pune\nnot-a-number,Bad,X\n"
		self.assertEqual(
			api.import_csv(name, csv_text),
			{"total": 3, "to_send": 1, "invalid": 1, "duplicate": 1, "opted_out": 0},
		)
		self.assertEqual(states(name), {"Pending": 1, "Skipped": 2})

	def test_send_test_renders_for_the_first_recipient(self) -> None:
		name = new_campaign([], message="Hello {{ recipient_name }} in {{ city }}")
		api.import_csv(name, f"number,name,city\n{CSV[2]},Bea,Goa\n")
		customer_wrote("+14155550177")  # a free-text test goes inside the tester's 24 h window
		result = api.send_test(name, "+14155550177")
		self.assertEqual((result["status"], result["to"]), ("Sent", "+14155550177"))
		body = self.graph.message_requests()[0].body
		self.assertEqual((body["to"], body["text"]["body"]), ("14155550177", "Hello Bea in Goa"))
		self.assertEqual(frappe.db.get_value(CAMPAIGN, name, "status"), "Draft")

	def test_send_test_refuses_code_in_placeholders_and_sends_nothing(self) -> None:
		name = new_campaign([], message="{{ frappe.db.sql('select user, sid from tabSessions') }}")
		with self.assertRaisesRegex(frappe.ValidationError, r"Unknown placeholder \{\{ frappe \}\}"):
			api.send_test(name, "+14155550179")
		api.import_csv(name, f"number,name,city\n{CSV[5]},Dee,Goa\n")
		with self.assertRaisesRegex(frappe.ValidationError, r"Unknown placeholder \{\{ frappe \}\}"):
			api.send_test(name, "+14155550179")
		with self.assertRaisesRegex(frappe.ValidationError, r"Unknown placeholder \{\{ frappe \}\}"):
			api.start(name)
		self.assertEqual(self.graph.message_requests(), [])
		self.assertEqual(frappe.db.get_value(CAMPAIGN, name, "status"), "Draft")

	def test_a_message_that_names_an_html_file_is_sent_as_text(self) -> None:
		name = new_campaign([], message="Hi {{ recipient_name }}, see shop.example/catalogue.html")
		api.import_csv(name, f"number,name\n{CSV[6]},Eve\n")
		customer_wrote("+14155550180")
		api.send_test(name, "+14155550180")
		body = self.graph.message_requests()[0].body
		self.assertEqual(body["text"]["body"], "Hi Eve, see shop.example/catalogue.html")

	def test_templates_sync_and_the_parameter_count_is_checked(self) -> None:
		self.graph.set_templates(TEMPLATES)
		self.assertEqual(api.sync_templates(TEST_DEVICE), {"synced": 1})
		template = frappe.get_doc("WhatsApp Template", "order_shipped-en_US")
		self.assertEqual((template.status, template.parameter_count), ("APPROVED", 2))
		with self.assertRaisesRegex(frappe.ValidationError, "has 2 parameter"):
			new_campaign(
				[],
				message_type="template",
				template=template.name,
				template_parameters="{{ recipient_name }}",
			)
		name = new_campaign(
			[],
			message_type="template",
			template=template.name,
			template_parameters="{{ recipient_name }}\nSO-1",
		)
		api.import_csv(name, f"{CSV[3]},Cy\n")
		api.send_test(name, "+14155550178")
		parameters = self.graph.message_requests()[0].body["template"]["components"][0]["parameters"]
		self.assertEqual([p["text"] for p in parameters], ["Cy", "SO-1"])

	def test_users_without_a_whatsapp_role_cannot_run_campaigns(self) -> None:
		name = new_campaign([])
		frappe.set_user(OUTSIDER)
		for call in (api.start, api.pause, api.cancel):
			self.assertRaises(frappe.PermissionError, call, name)
		self.assertRaises(frappe.PermissionError, api.import_csv, name, CSV[4])


def _contact(first_name: str, mobile: str, designation: str) -> None:
	if frappe.db.exists("Contact", {"first_name": first_name}):
		return
	contact = frappe.get_doc({"doctype": "Contact", "first_name": first_name, "designation": designation})
	contact.append("phone_nos", {"phone": mobile, "is_primary_mobile_no": 1})
	contact.insert(ignore_permissions=True)
	frappe.db.commit()
