"""Issue 10 items 12 and 13 on a real site: failures Meta reports later, late statuses, stop/start
order, the indexed contact lookup and the alert of an inbox row that gives up."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from whatsapp_integration.core.records import SendOutcome
from whatsapp_integration.operations.alerts import WEBHOOK_EVENT_FAILED, incident_store
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.repositories.webhook_inbox import FrappeWebhookInbox
from whatsapp_integration.site.services import webhook_inbox
from whatsapp_integration.site.settings import get_config
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.test_webhook import INBOX, process_through_inbox
from whatsapp_integration.tests.utils import ensure_user
from whatsapp_integration.tests.webhook_utils import (
	configure_webhook,
	create_outbound,
	messages_change,
	unique_number,
)

LOG = "WhatsApp Message Log"


def statuses_body(*statuses: dict) -> bytes:
	return payloads.encode(payloads.envelope([messages_change(statuses=list(statuses))]))


def failed(wamid: str, code: int, timestamp: int) -> dict:
	return payloads.status(wamid, "failed", timestamp, errors=[{"code": code, "title": "Not delivered"}])


class TestWebhookHardening(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_webhook()

	def test_a_reported_failure_is_retried_and_the_resend_tracked(self) -> None:
		wamid, resent = f"wamid.{frappe.generate_hash()}", f"wamid.{frappe.generate_hash()}"
		name = create_outbound(wamid, attempts=1)
		process_through_inbox(statuses_body(failed(wamid, 131049, 1764000100)))
		log = frappe.get_doc(LOG, name)
		self.assertEqual((log.status, log.error_code, log.error_action), ("Queued", 131049, "defer"))
		self.assertFalse(log.wamid)
		self.assertGreater(log.next_attempt_at, now_datetime())
		self.assertIn(wamid, log.error_reason)
		self.assertEqual([event.status for event in log.status_events], ["Failed", "Queued"])
		FrappeMessageRepository().save_outcome(name, SendOutcome("Sent", now_datetime(), 2, wamid=resent))
		process_through_inbox(statuses_body(failed(resent, 131049, 1764000200)))
		log = frappe.get_doc(LOG, name)
		self.assertEqual((log.status, log.wamid, log.error_action), ("Failed", resent, "defer"))
		self.assertEqual([e.status for e in log.status_events], ["Failed", "Queued", "Sent", "Failed"])

	def test_a_redelivered_stop_after_a_newer_start_does_not_opt_out(self) -> None:
		number = unique_number()

		def keyword(text: str, timestamp: str) -> bytes:
			message = payloads.text_message(
				f"wamid.{frappe.generate_hash()}", text, wa_id=number, timestamp=timestamp
			)
			return payloads.encode(payloads.envelope([messages_change([message])]))

		stop = keyword("STOP", "1764000100")
		process_through_inbox(stop)
		process_through_inbox(keyword("START", "1764000200"))
		process_through_inbox(stop)
		self.assertFalse(frappe.db.exists("WhatsApp Opt Out", "+" + number))

	def test_contacts_are_found_through_an_index_in_any_format(self) -> None:
		number = "+" + unique_number()
		typed = f"00{number[1:3]} ({number[3:6]}) {number[6:]}"
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Indexed",
				"phone_nos": [{"phone": typed, "is_primary_mobile_no": 1}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		wamid = f"wamid.{frappe.generate_hash()}"
		body = [messages_change([payloads.text_message(wamid, "hi", wa_id=number[1:])])]
		process_through_inbox(payloads.encode(payloads.envelope(body)))
		self.assertEqual(frappe.db.get_value(LOG, {"wamid": wamid}, "contact"), contact.name)
		plan = frappe.db.sql(
			"explain select parent from `tabContact Phone` where whatsapp_number = %s", number, as_dict=True
		)
		self.assertIn("whatsapp_number", plan[0]["key"] or "")

	def test_an_inbox_row_that_gives_up_raises_an_alert(self) -> None:
		manager = ensure_user(
			f"wa-manager-{frappe.generate_hash(length=8)}@example.com", ("WhatsApp Manager",)
		)
		store = incident_store()
		store._client.delete(store._prefix + f"{WEBHOOK_EVENT_FAILED}:inbox")
		name = FrappeWebhookInbox().add("[1, 2]", 6)  # not a JSON object: processing raises
		frappe.db.set_value(INBOX, name, "attempts", get_config().max_retry_attempts - 1)
		frappe.db.commit()
		webhook_inbox().process_one(name)
		self.assertEqual(frappe.db.get_value(INBOX, name, "state"), "Failed")
		alert = {"for_user": manager, "subject": ("like", f"%{name}%")}
		self.assertTrue(frappe.db.exists("Notification Log", alert))
