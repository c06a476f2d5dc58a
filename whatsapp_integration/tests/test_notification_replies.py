"""WhatsApp Notification on a real site, part two: a keyword auto-reply, Value Change, and the
Role and Document Contact recipients (see notification_utils for how jobs are run)."""

from __future__ import annotations

import json
import time

import frappe
from frappe.utils.background_jobs import get_job

from whatsapp_integration.site import notifications, reply_actions
from whatsapp_integration.site.doctypes import MESSAGE_LOG, REPLY_ACTION, TEMPLATE
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.notification_utils import (
	DOCTYPE,
	MANAGER,
	REPLY_CALLS,
	NotificationTestCase,
	new_appointment,
	new_rule,
	number,
)
from whatsapp_integration.tests.test_webhook import process_through_inbox
from whatsapp_integration.tests.utils import TEST_PHONE_NUMBER_ID, ensure_user

NOTIFIED_ROLE = "WA Test Notified"


class TestNotificationReplies(NotificationTestCase):
	def test_a_keyword_gets_the_auto_reply(self) -> None:
		keyword = f"hours{frappe.generate_hash(length=4)}"
		frappe.get_doc(
			{
				"doctype": REPLY_ACTION,
				"title": "Opening hours",
				"trigger": "Keyword (exact)",
				"value": keyword,
				"action": "Auto Reply",
				"reply_type": "Text",
				"reply_text": "We are open 9 to 5.",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		customer = number()
		wamid = f"wamid.{frappe.generate_hash(length=12)}"
		now = str(int(time.time()))  # the customer writes now: the 24 h window is open for the reply
		message = payloads.text_message(
			wamid, f"  {keyword.upper()} ", wa_id=customer.lstrip("+"), timestamp=now
		)
		change = payloads.messages_change(messages=[message], phone_number_id=TEST_PHONE_NUMBER_ID)
		try:
			process_through_inbox(payloads.encode(payloads.envelope([change])))
			inbound = frappe.db.get_value(MESSAGE_LOG, {"wamid": wamid}, "name")
			self.run_job(reply_actions.job_id(inbound))
		finally:
			frappe.db.delete(REPLY_ACTION, {"value": keyword})
			frappe.db.commit()
		replies = self.wait_for(customer)
		self.assertEqual([body["text"]["body"] for body in replies], ["We are open 9 to 5."])

	def test_a_value_change_fires_only_when_its_field_changes(self) -> None:
		new_rule("Value Change", value_changed="amount")
		to = number()
		doc = new_appointment(to, amount=10)
		frappe.db.commit()
		created = str(doc.modified)
		doc.customer_name = "Ada Lovelace"
		doc.save()
		frappe.db.commit()
		unchanged = str(doc.modified)
		doc.amount = 20
		doc.save()
		frappe.db.commit()
		for version in (created, unchanged):
			self.assertIsNone(get_job(notifications.job_id(DOCTYPE, doc.name, version)))
		self.run_notification(doc)
		self.assertEqual(len(self.wait_for(to)), 1)

	def test_users_with_the_role_get_it_on_their_mobile(self) -> None:
		if not frappe.db.exists("Role", NOTIFIED_ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": NOTIFIED_ROLE, "desk_access": 1}).insert()
		ensure_user(MANAGER, ("WhatsApp Manager", NOTIFIED_ROLE))
		mobile = number()
		frappe.db.set_value("User", MANAGER, "mobile_no", mobile)
		new_rule("Submit", recipients=[{"source": "Role", "role": NOTIFIED_ROLE}])
		doc = new_appointment(number(), submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		self.assertEqual(len(self.wait_for(mobile)), 1)

	def test_the_documents_contact_gets_it_on_its_primary_mobile(self) -> None:
		new_rule("Submit", recipients=[{"source": "Document Contact"}])
		doc = new_appointment(number())
		mobile, landline = number(), number()
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": f"Ada {frappe.generate_hash(length=6)}",
				"phone_nos": [
					{"phone": landline, "is_primary_phone": 1},
					{"phone": mobile, "is_primary_mobile_no": 1},
				],
				"links": [{"link_doctype": DOCTYPE, "link_name": doc.name}],
			}
		).insert(ignore_permissions=True)
		doc.submit()
		frappe.db.commit()
		self.run_notification(doc)
		self.assertEqual((len(self.wait_for(mobile)), self.sent_to(landline)), (1, []))

	def test_saves_go_on_before_migrate_created_the_rules_table(self) -> None:
		frappe.db.sql_ddl("rename table `tabWhatsApp Notification` to `tabWhatsApp Notification Moved`")
		frappe.cache.delete_value("db_tables")  # Frappe's cached table list, as after such a deploy
		try:
			notifications.clear_rules_cache()
			todo = frappe.get_doc(
				{"doctype": "ToDo", "description": "saved without the rules table"}
			).insert()
			self.assertTrue(todo.name)
		finally:
			frappe.db.sql_ddl("rename table `tabWhatsApp Notification Moved` to `tabWhatsApp Notification`")
			frappe.cache.delete_value("db_tables")
			notifications.clear_rules_cache()

	def test_a_keyword_calls_the_whitelisted_method_with_the_message(self) -> None:
		keyword = f"call{frappe.generate_hash(length=4)}"
		action = frappe.get_doc(
			{
				"doctype": REPLY_ACTION,
				"title": "Call back",
				"trigger": "Keyword (contains)",
				"value": keyword,
				"action": "Call Method",
				"method": "whatsapp_integration.tests.notification_utils.record_reply",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		frappe.cache.delete_value(REPLY_CALLS)
		wamid = f"wamid.{frappe.generate_hash(length=12)}"
		message = payloads.text_message(wamid, f"please {keyword} me", wa_id=number().lstrip("+"))
		change = payloads.messages_change(messages=[message], phone_number_id=TEST_PHONE_NUMBER_ID)
		try:
			process_through_inbox(payloads.encode(payloads.envelope([change])))
			inbound = frappe.db.get_value(MESSAGE_LOG, {"wamid": wamid}, "name")
			self.run_job(reply_actions.job_id(inbound))
		finally:
			frappe.db.delete(REPLY_ACTION, {"name": action.name})
			frappe.db.commit()
		self.assertEqual(frappe.cache.get_value(REPLY_CALLS), [inbound, action.name])

	def test_a_method_that_is_not_whitelisted_is_refused_on_save(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			frappe.get_doc(
				{
					"doctype": REPLY_ACTION,
					"title": "Not whitelisted",
					"trigger": "Keyword (exact)",
					"value": "x",
					"action": "Call Method",
					"method": "whatsapp_integration.tests.notification_utils.new_rule",
				}
			).insert(ignore_permissions=True)
		self.assertIn("not whitelisted", str(caught.exception))

	def test_a_template_with_named_variables_gets_them_by_name(self) -> None:
		name = "wn_test_named"
		if not frappe.db.exists(TEMPLATE, f"{name}-en_US"):
			body = {"type": "BODY", "text": "Hi {{first_name}}, your appointment {{reference}} is booked."}
			frappe.get_doc(
				{
					"doctype": TEMPLATE,
					"template_name": name,
					"language": "en_US",
					"status": "APPROVED",
					"category": "UTILITY",
					"parameter_format": "NAMED",
					"body": body["text"],
					"body_examples": "Ada\nWAAPT-00001",
					"components": json.dumps([body]),
				}
			).insert(ignore_permissions=True)
		parameters = [
			{"position": 1, "parameter_name": "reference", "field": "name"},
			{"position": 2, "parameter_name": "first_name", "expression": "{{ customer_name }}"},
		]
		new_rule("Submit", template=f"{name}-en_US", parameters=parameters)
		to = number()
		doc = new_appointment(to, submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		sent = self.wait_for(to)[0]["template"]["components"][0]["parameters"]
		given = {parameter["parameter_name"]: parameter["text"] for parameter in sent}
		self.assertEqual(given, {"reference": doc.name, "first_name": "Ada"})

	def test_inbound_messages_are_stored_cleanly_before_migrate_created_the_actions_table(self) -> None:
		errors = frappe.db.count("Error Log")
		frappe.db.sql_ddl("rename table `tabWhatsApp Reply Action` to `tabWhatsApp Reply Action Moved`")
		frappe.cache.delete_value("db_tables")  # Frappe's cached table list, as after such a deploy
		try:
			reply_actions.clear_actions_cache()
			wamid = f"wamid.{frappe.generate_hash(length=12)}"
			message = payloads.text_message(wamid, "hello", wa_id=number().lstrip("+"))
			change = payloads.messages_change(messages=[message], phone_number_id=TEST_PHONE_NUMBER_ID)
			process_through_inbox(payloads.encode(payloads.envelope([change])))
		finally:
			frappe.db.sql_ddl("rename table `tabWhatsApp Reply Action Moved` to `tabWhatsApp Reply Action`")
			frappe.cache.delete_value("db_tables")
			reply_actions.clear_actions_cache()
		self.assertTrue(frappe.db.exists(MESSAGE_LOG, {"wamid": wamid}))
		self.assertEqual(frappe.db.count("Error Log"), errors)  # no failing handler logged
