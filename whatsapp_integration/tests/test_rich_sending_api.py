"""Rich sending on a real site: a template with a document header from a document's attachment
(a private File attached to a ToDo) and an interactive list, through the send API, against the
fake Graph API (media upload route included)."""

from __future__ import annotations

import hashlib
import json

import frappe

from whatsapp_integration.api import messages
from whatsapp_integration.site.doctypes import MESSAGE_LOG, TEMPLATE
from whatsapp_integration.site.services import webhook_service
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.fake_graph_media_upload import uploads
from whatsapp_integration.tests.utils import (
	TEST_PHONE_NUMBER_ID,
	FakeGraphTestCase,
	customer_wrote,
	ensure_user,
	unique_digits,
)

SENDER = "whatsapp-sender@example.com"
OTHER_SENDER = "whatsapp-other-sender@example.com"
NUMBER = "+9197" + unique_digits(8)
LIST = {
	"type": "list",
	"header": "Appointments",
	"body": "Which slot suits you?",
	"button": "Choose a slot",
	"sections": [
		{"title": "Monday", "rows": [{"id": "slot-mon-9", "title": "Monday 9:00", "description": "Room 2"}]},
		{"title": "Tuesday", "rows": [{"id": "slot-tue-14", "title": "Tuesday 14:00"}]},
	],
}


class TestRichSending(FakeGraphTestCase):
	acting_user = SENDER

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_user(SENDER, ("WhatsApp User",))
		ensure_user(OTHER_SENDER, ("WhatsApp User",))
		customer_wrote(NUMBER)  # the interactive list is free-form: the 24 h window is open

	def attached_pdf(self) -> tuple[frappe._dict, bytes]:
		"""A ToDo assigned to the sender with a private PDF attached (new content in every run)."""
		user = frappe.session.user
		frappe.set_user("Administrator")
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": f"Invoice {frappe.generate_hash(length=6)}",
				"allocated_to": SENDER,
			}
		).insert(ignore_permissions=True)
		content = b"%PDF-1.4\n% invoice " + frappe.generate_hash(length=32).encode() + b"\n%%EOF\n"
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"INV-{frappe.generate_hash(length=6)}.pdf",
				"attached_to_doctype": "ToDo",
				"attached_to_name": todo.name,
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		return frappe._dict(todo=todo.name, file_url=file.file_url, file_name=file.file_name), content

	def test_a_template_with_the_documents_pdf_as_header(self) -> None:
		attached, content = self.attached_pdf()
		header = json.dumps({"type": "document", "file_url": attached.file_url})
		result = messages.send_template(
			NUMBER, "invoice_ready", "en_US", '["Ada"]', header=header,
			reference_doctype="ToDo", reference_name=attached.todo,
		)  # fmt: skip
		self.assertEqual(result["status"], "Sent", result.get("error"))
		(upload,) = uploads(self.graph)
		self.assertEqual(upload["fields"], {"messaging_product": "whatsapp", "type": "application/pdf"})
		self.assertEqual(upload["sha256"], hashlib.sha256(content).hexdigest())
		template = self.graph.message_requests()[-1].body["template"]
		self.assertEqual(
			template["components"][0],
			{
				"type": "header",
				"parameters": [
					{"type": "document", "document": {"id": upload["id"], "filename": attached.file_name}}
				],
			},
		)
		log = frappe.get_doc(MESSAGE_LOG, result["message_log"])
		self.assertEqual((log.reference_doctype, log.reference_name), ("ToDo", attached.todo))
		self.assertEqual(json.loads(log.rich_content)["header_media"]["file_url"], attached.file_url)

		again = messages.send_template(NUMBER, "invoice_ready", "en_US", '["Ada"]', header=header)
		self.assertEqual(again["status"], "Sent")
		self.assertEqual(len(uploads(self.graph)), 1, "the second send reuses the cached media id")
		self.assertEqual(
			self.graph.message_requests()[-1].body["template"]["components"][0]["parameters"][0]["document"][
				"id"
			],
			upload["id"],
		)

	def test_a_private_file_is_sent_only_by_who_may_read_it(self) -> None:
		attached, _ = self.attached_pdf()
		frappe.set_user(OTHER_SENDER)
		with self.assertRaises(frappe.PermissionError):
			messages.send_media(NUMBER, "document", file_url=attached.file_url)
		self.assertEqual(self.graph.requests, [])

	def test_a_file_meta_would_refuse_fails_before_any_request(self) -> None:
		attached, _ = self.attached_pdf()
		result = messages.send_media(NUMBER, "image", file_url=attached.file_url)
		self.assertEqual(result["status"], "Failed")
		self.assertIn("JPEG or PNG", result["error"])
		self.assertEqual(self.graph.requests, [])

	def test_an_interactive_list_and_the_customers_choice(self) -> None:
		result = messages.send_interactive(NUMBER, json.dumps(LIST))
		self.assertEqual(result["status"], "Sent", result.get("error"))
		body = self.graph.message_requests()[-1].body
		self.assertEqual(body["type"], "interactive")
		self.assertEqual(
			body["interactive"]["action"]["sections"][0]["rows"][0],
			{"id": "slot-mon-9", "title": "Monday 9:00", "description": "Room 2"},
		)
		log = frappe.get_doc(MESSAGE_LOG, result["message_log"])
		self.assertEqual((log.message_type, log.text), ("interactive", "Which slot suits you?"))

		choice = {"type": "list_reply", "list_reply": {"id": "slot-mon-9", "title": "Monday 9:00"}}
		reply_wamid = f"wamid.{frappe.generate_hash(length=16)}"
		reply = payloads.message(
			reply_wamid, "interactive", {"interactive": choice}, wa_id=NUMBER[1:],
			context={"from": NUMBER[1:], "id": result["wamid"]},
		)  # fmt: skip
		change = payloads.messages_change([reply], phone_number_id=TEST_PHONE_NUMBER_ID)
		webhook_service().process(payloads.encode(payloads.envelope([change])))
		inbound = frappe.get_all(
			MESSAGE_LOG, filters={"wamid": reply_wamid}, fields=["reply_id", "reply_to_wamid", "direction"]
		)
		self.assertEqual(
			[(row.direction, row.reply_id, row.reply_to_wamid) for row in inbound],
			[("Inbound", "slot-mon-9", result["wamid"])],
		)

	def test_a_list_over_metas_limits_is_refused_naming_the_limit(self) -> None:
		rows = [{"id": f"r{n}", "title": f"Row {n}"} for n in range(11)]
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send_interactive(NUMBER, {**LIST, "sections": [{"rows": rows}]})
		self.assertIn("1 to 10 rows", str(caught.exception))
		self.assertEqual(self.graph.requests, [])

	def test_parameters_are_checked_against_the_stored_template(self) -> None:
		name = f"rich_{frappe.generate_hash(length=8).lower()}"
		components = [
			{"type": "HEADER", "format": "DOCUMENT"},
			{"type": "BODY", "text": "Hi {{1}}, your invoice {{2}} is attached."},
		]
		frappe.set_user("Administrator")
		frappe.get_doc(
			{"doctype": TEMPLATE, "name": f"{name}-en_US", "template_name": name, "language": "en_US", "status": "APPROVED",
			 "components": json.dumps(components)}
		).db_insert()  # fmt: skip
		frappe.set_user(SENDER)
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send_template(NUMBER, name, "en_US", '["Ada"]')
		self.assertIn("2 body variable(s)", str(caught.exception))
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send_template(NUMBER, name, "en_US", '["Ada", "INV-1"]')
		self.assertIn("media header (document)", str(caught.exception))
		self.assertEqual(self.graph.requests, [])
