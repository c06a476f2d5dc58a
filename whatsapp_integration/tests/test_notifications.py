"""WhatsApp Notification on a real site: a submittable test DocType and the fake Graph API in its
own process (a free port, or `WHATSAPP_NOTIFICATION_GRAPH_PORT`). A commit enqueues the evaluation job
(the save itself sends nothing); the test fetches that job from the queue by its id and runs it
here, so the bench's other workers (other sites' code versions) never decide a result. A job
run twice, here and by a worker, still sends once: that is the idempotency under test."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import frappe
import requests
from frappe.utils import add_days, get_system_timezone, getdate, now_datetime
from frappe.utils.background_jobs import get_job

from whatsapp_integration.api import notifications as notifications_api
from whatsapp_integration.core.notification import dates
from whatsapp_integration.repositories import opt_outs
from whatsapp_integration.site import notifications, reply_actions
from whatsapp_integration.site.doctypes import MESSAGE_LOG, NOTIFICATION, REPLY_ACTION
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.processes import wait_until
from whatsapp_integration.tests.campaign_utils import start_bench_process, stop
from whatsapp_integration.tests.notification_utils import (
	DOCTYPE,
	MANAGER,
	PDF_TEMPLATE_NAME,
	SENDER,
	SERVE_PORT,
	TEMPLATE_NAME,
	NotificationTestCase,
	new_appointment,
	new_rule,
	number,
	site_up,
)
from whatsapp_integration.tests.test_webhook import process_through_inbox
from whatsapp_integration.tests.utils import TEST_PHONE_NUMBER_ID, ensure_user


class TestNotifications(NotificationTestCase):
	def test_a_submit_sends_one_template_with_the_mapped_parameters(self) -> None:
		new_rule("Submit")
		to = number()
		doc = new_appointment(to)
		frappe.db.commit()
		doc.submit()
		frappe.db.commit()
		self.run_notification(doc)
		body = self.wait_for(to)[0]
		values = [p["text"] for p in body["template"]["components"][0]["parameters"]]
		self.assertEqual((body["template"]["name"], values), (TEMPLATE_NAME, ["ADA", doc.name]))
		frappe.db.rollback()
		log = frappe.get_all(
			MESSAGE_LOG, filters={"to_number": to}, fields=["reference_doctype", "reference_name"]
		)
		self.assertEqual([(row.reference_doctype, row.reference_name) for row in log], [(DOCTYPE, doc.name)])
		self.assertEqual(len(self.sent_to(to)), 1)  # the insert before the submit sent nothing

	def test_a_rolled_back_save_sends_nothing(self) -> None:
		new_rule("New")
		rolled_back, committed = number(), number()
		undone = new_appointment(rolled_back)
		frappe.db.rollback()
		done = new_appointment(committed)
		frappe.db.commit()
		self.run_notification(done)
		self.wait_for(committed)
		self.assertIsNone(get_job(notifications.job_id(DOCTYPE, undone.name, str(undone.modified))))
		self.assertEqual(self.sent_to(rolled_back), [])

	def test_a_double_save_and_a_rerun_job_send_once(self) -> None:
		rule = new_rule("Save")
		to = number()
		doc = new_appointment(to)
		doc.amount = 10
		doc.save()
		frappe.db.commit()
		arguments = self.run_notification(doc)  # one job for the transaction, of the last version
		self.assertEqual((arguments["rules"], arguments["modified"]), ({rule: "Save"}, str(doc.modified)))
		self.run_notification(doc)  # the same job again (a worker restart)
		self.assertEqual(len(self.wait_for(to)), 1)

	def test_a_days_before_rule_sends_once_on_the_right_day(self) -> None:
		rule = new_rule(
			"Days Before",
			date_field="appointment_date",
			days=2,
			send_time="09:00:00",
			condition='doc.customer_name != "Bob"',
		)
		zone = ZoneInfo(get_system_timezone())
		today = getdate(now_datetime())
		due, later, excluded = number(), number(), number()
		new_appointment(due, submit=True, appointment_date=add_days(today, 2))
		new_appointment(excluded, submit=True, appointment_date=add_days(today, 2), customer_name="Bob")
		new_appointment(later, submit=True, appointment_date=add_days(today, 3))
		frappe.db.commit()
		at = lambda hour: datetime.combine(today, time(hour), zone).astimezone(timezone.utc)  # noqa: E731
		self.assertEqual(notifications.run_date_rules(at(8)), 0)  # before the send time
		window = dates.day_window(today, add_days(today, 2))
		self.assertEqual(notifications.run_date_rules(at(9)), 1)
		self.run_job(notifications.date_job_id(rule, window))
		late = number()  # booked after the 09:00 run, for the same day
		new_appointment(late, submit=True, appointment_date=add_days(today, 2))
		frappe.db.commit()
		self.assertEqual(notifications.run_date_rules(at(10)), 1)  # the next hour
		self.run_job(notifications.date_job_id(rule, window))
		sent = [len(self.sent_to(to)) for to in (due, late, later, excluded)]
		self.assertEqual(sent, [1, 1, 0, 0])
		self.assertEqual(frappe.db.get_value(NOTIFICATION, rule, "last_window"), window.occasion)
		tomorrow = add_days(today, 1)
		self.assertEqual(notifications.run_date_rules(at(9) + timedelta(days=1)), 1)
		self.run_job(notifications.date_job_id(rule, dates.day_window(tomorrow, add_days(today, 3))))
		self.assertEqual((len(self.sent_to(due)), len(self.sent_to(later))), (1, 1))

	def test_the_print_pdf_is_uploaded_and_sent_as_the_header(self) -> None:
		# wkhtmltopdf loads the print's styles from the site's URL: serve it while the PDF is made
		server = start_bench_process(
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			frappe.local.site,
			"serve",
			"--port",
			str(SERVE_PORT),
			"--noreload",
			log="serve",
		)
		frappe.local.conf.host_name = f"http://127.0.0.1:{SERVE_PORT}"
		try:
			wait_until(lambda: site_up(SERVE_PORT), 120, f"bench serve on port {SERVE_PORT}")
			self.check_pdf_header()
		finally:
			frappe.local.conf.pop("host_name", None)
			stop(server)

	def check_pdf_header(self) -> None:
		new_rule("Submit", attach_print=1, template=f"{PDF_TEMPLATE_NAME}-en_US")
		to = number()
		doc = new_appointment(to, submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		body = self.wait_for(to)[0]
		header = body["template"]["components"][0]
		self.assertEqual(header["type"], "header")
		self.assertEqual(header["parameters"][0]["document"]["filename"], f"{doc.name}.pdf")
		uploads = [r for r in self.graph_all() if r["path"].endswith("/media")]
		self.assertEqual(len(uploads), 1)
		frappe.db.rollback()
		self.assertTrue(
			frappe.db.exists(
				"File", {"attached_to_name": doc.name, "file_name": f"{doc.name}.pdf", "is_private": 1}
			)
		)

	def graph_all(self) -> list[dict[str, Any]]:
		return requests.get(f"{self.graph.url}/_fake/requests", timeout=30).json()

	def test_a_confirm_button_reply_updates_the_document(self) -> None:
		new_rule("Submit")
		frappe.get_doc(
			{
				"doctype": REPLY_ACTION,
				"title": "Confirm appointment",
				"trigger": "Button Payload",
				"value": "CONFIRM",
				"reference_doctype": DOCTYPE,
				"action": "Set Field",
				"set_field": "status",
				"set_value": "Confirmed",
			}
		).insert(ignore_permissions=True)
		to = number()
		doc = new_appointment(to, submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		self.wait_for(to)
		wamid = self._wamid_to(to)
		button = {
			"button": {"payload": "CONFIRM", "text": "Confirm"},
			"context": {"from": "15550000000", "id": wamid},
		}
		reply = payloads.message(
			f"wamid.{frappe.generate_hash(length=12)}", "button", button, wa_id=to.lstrip("+")
		)
		change = payloads.messages_change(messages=[reply], phone_number_id=TEST_PHONE_NUMBER_ID)
		process_through_inbox(payloads.encode(payloads.envelope([change])))
		inbound = frappe.db.get_value(MESSAGE_LOG, {"wamid": reply["id"]}, "name")
		self.run_job(reply_actions.job_id(inbound))
		self.assertEqual(self._status(doc.name), "Confirmed")

	def _wamid_to(self, to: str) -> str:
		wait_until(lambda: bool(self._logged_wamid(to)), 30, f"the wamid of the message to {to}")
		return self._logged_wamid(to)

	def _logged_wamid(self, to: str) -> str | None:
		frappe.db.rollback()
		return frappe.db.get_value(MESSAGE_LOG, {"to_number": to, "direction": "Outbound"}, "wamid")

	def _status(self, name: str) -> str:
		frappe.db.rollback()
		return frappe.db.get_value(DOCTYPE, name, "status")

	def test_opted_out_numbers_get_nothing(self) -> None:
		opted_out, other = number(), number()
		new_rule(
			"Submit",
			recipients=[
				{"source": "Document Field", "field": "mobile_no"},
				{"source": "Fixed Number", "number": other},
			],
		)
		opt_outs.add(opted_out, "STOP", "Keyword")
		doc = new_appointment(opted_out, submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		self.wait_for(other)
		self.assertEqual(self.sent_to(opted_out), [])

	def test_the_preview_renders_for_a_document_and_sends_nothing(self) -> None:
		rule = new_rule("Submit")
		to = number()
		doc = new_appointment(to)
		shown = notifications_api.preview(rule, doc.name)
		self.assertEqual((shown["numbers"], shown["parameters"]), ([to], ["ADA", doc.name]))
		self.assertEqual((shown["template"], shown["condition"]), (TEMPLATE_NAME, True))
		self.assertEqual(self.graph.requests(), [])

	def test_a_rule_that_cannot_work_is_refused_on_save(self) -> None:
		broken = {
			"citty": {
				"parameters": [{"position": 1, "expression": "{{ citty }}"}, {"position": 2, "field": "name"}]
			},
			"Date or Datetime": {"event": "Days Before", "date_field": "customer_name"},
			"map each of": {"parameters": [{"position": 1, "field": "name"}]},
			"document header": {"template": f"{PDF_TEMPLATE_NAME}-en_US"},
			"is not submittable": {
				"document_type": "ToDo",
				"recipients": [{"source": "Fixed Number", "number": "+911"}],
			},
			"not on WhatsApp Message Log": {"document_type": MESSAGE_LOG},
		}
		for expected, values in broken.items():
			with self.assertRaises(frappe.ValidationError, msg=expected) as caught:
				new_rule(values.pop("event", "Submit"), **values)
			self.assertIn(expected, str(caught.exception))

	def test_only_managers_set_up_rules_and_preview_them(self) -> None:
		rule = new_rule("Submit")
		doc = new_appointment(number())
		user, manager = ensure_user(SENDER, ("WhatsApp User",)), ensure_user(MANAGER, ("WhatsApp Manager",))
		frappe.set_user(user)
		try:
			self.assertFalse(frappe.has_permission(NOTIFICATION, "create"))
			with self.assertRaises(frappe.PermissionError):
				notifications_api.preview(rule, doc.name)
			frappe.set_user(manager)
			self.assertTrue(frappe.has_permission(NOTIFICATION, "create"))
			self.assertTrue(frappe.has_permission(NOTIFICATION, "write", rule))
		finally:
			frappe.set_user("Administrator")

	def test_a_rule_meta_refuses_raises_an_alert(self) -> None:
		manager = ensure_user(MANAGER, ("WhatsApp Manager",))
		rule = new_rule("Submit", title=f"Test alert {frappe.generate_hash(length=6)}")
		self.graph.fail(132001, times=1, http_status=404)
		doc = new_appointment(number(), submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		last_error, title = frappe.db.get_value(NOTIFICATION, rule, ["last_error", "title"])
		self.assertTrue(last_error)
		alerts = frappe.get_all(
			"Notification Log",
			filters={"for_user": manager, "subject": ("like", f"%{title}%")},
			pluck="subject",
		)
		self.assertEqual(len(alerts), 1)

	def test_a_condition_that_fails_is_the_rules_error_not_a_crashed_job(self) -> None:
		rule = new_rule("Submit", condition="doc.amount.missing > 1")
		to = number()
		doc = new_appointment(to, submit=True)
		frappe.db.commit()
		self.run_notification(doc)
		self.assertIn("could not be evaluated", frappe.db.get_value(NOTIFICATION, rule, "last_error"))
		self.assertEqual(self.sent_to(to), [])
