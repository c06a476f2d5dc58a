"""The send API end to end on a real site: permission, validation, Graph API calls, Message Log rows."""

from __future__ import annotations

import uuid

import frappe
from frappe.utils import add_to_date, now_datetime

from whatsapp_integration.api import messages
from whatsapp_integration.core.campaign.policy import idempotency_key as campaign_key
from whatsapp_integration.core.campaign.records import RecipientOutcome
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.tasks import retry_queued_messages
from whatsapp_integration.tests.campaign_utils import new_campaign, numbers
from whatsapp_integration.tests.utils import (
	TEST_DEVICE,
	FakeGraphTestCase,
	configure_settings,
	customer_wrote,
	ensure_user,
	unique_digits,
)

SENDER = "whatsapp-sender@example.com"
OTHER_SENDER = "whatsapp-other-sender@example.com"
OUTSIDER = "no-whatsapp-role@example.com"
NUMBER = "+9198" + unique_digits(8)  # no opt-out or preference of another run applies to it


class TestMessagesApi(FakeGraphTestCase):
	acting_user = SENDER

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_user(SENDER, ("WhatsApp User",))
		ensure_user(OTHER_SENDER, ("WhatsApp User",))
		ensure_user(OUTSIDER, ("Blogger",))
		customer_wrote(NUMBER)  # free text may go to them (the 24 h window)

	def test_send_logs_a_sent_message_with_its_wamid(self) -> None:
		result = messages.send(NUMBER, "Hello <b>Ada</b>")
		self.assertEqual(result["status"], "Sent")
		self.assertTrue(result["wamid"].startswith("wamid."))
		log = frappe.get_doc("WhatsApp Message Log", result["message_log"])
		self.assertEqual((log.to_number, log.device, log.owner), (NUMBER, TEST_DEVICE, SENDER))
		self.assertEqual(log.text, "Hello *Ada*")
		self.assertEqual([event.status for event in log.status_events], ["Sent"])
		body = self.graph.message_requests()[-1].body
		self.assertEqual((body["to"], body["text"]["body"]), (NUMBER[1:], "Hello *Ada*"))

	def test_template_goes_out_with_its_parameters(self) -> None:
		result = messages.send_template(NUMBER, "order_update", "en_US", '["Ada", "SO-0001"]')
		self.assertEqual(result["status"], "Sent")
		template = self.graph.message_requests()[-1].body["template"]
		values = [parameter["text"] for parameter in template["components"][0]["parameters"]]
		self.assertEqual((template["name"], values), ("order_update", ["Ada", "SO-0001"]))

	def test_bad_number_is_a_validation_error_naming_the_input(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send("12ab", "Hello")
		self.assertIn("12ab", str(caught.exception))
		self.assertEqual(self.graph.message_requests(), [])

	def test_empty_template_parameter_is_refused_before_sending(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send_template(NUMBER, "order_update", "en_US", ["Ada", " "])
		self.assertIn("{{2}}", str(caught.exception))

	def test_user_without_whatsapp_role_cannot_send(self) -> None:
		frappe.set_user(OUTSIDER)
		with self.assertRaises(frappe.PermissionError):
			messages.send(NUMBER, "Hello")

	def test_guest_cannot_send(self) -> None:
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			messages.send(NUMBER, "Hello")

	def test_same_idempotency_key_sends_once(self) -> None:
		key = f"order-{uuid.uuid4()}"
		first = messages.send(NUMBER, "Your order shipped", idempotency_key=key)
		second = messages.send(NUMBER, "Your order shipped", idempotency_key=key)
		self.assertEqual(first["message_log"], second["message_log"])
		self.assertEqual(len(self.graph.message_requests()), 1)

	def test_two_users_with_the_same_key_get_their_own_messages(self) -> None:
		"""A guessed key never answers with another user's Message Log."""
		key = f"order-{uuid.uuid4()}"
		mine = messages.send(NUMBER, "For the first sender", idempotency_key=key)
		frappe.set_user(OTHER_SENDER)
		theirs = messages.send(NUMBER, "For the second sender", idempotency_key=key)
		self.assertNotEqual(theirs["message_log"], mine["message_log"])
		self.assertEqual(
			frappe.db.get_value("WhatsApp Message Log", theirs["message_log"], "owner"), OTHER_SENDER
		)
		self.assertEqual(messages.send(NUMBER, "again", idempotency_key=key), theirs)
		frappe.set_user(SENDER)
		self.assertEqual(messages.send(NUMBER, "again", idempotency_key=key), mine)
		self.assertEqual(len(self.graph.message_requests()), 2)

	def test_campaign_key_prefix_is_refused(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send(NUMBER, "Hello", idempotency_key="campaign:WA-CMP-0001:row:1")
		self.assertIn("reserved for campaigns", str(caught.exception))
		self.assertEqual(self.graph.message_requests(), [])

	def test_campaign_batch_insert_links_a_log_that_already_has_its_key(self) -> None:
		frappe.set_user("Administrator")
		repository = FrappeCampaignRepository()
		campaign = new_campaign(numbers(1, start=int(uuid.uuid4().int % 900000)))
		owner, now = frappe.generate_hash(), now_datetime()
		(row,) = repository.claim(campaign, owner, now, add_to_date(now, seconds=60), 10)
		key = campaign_key(campaign, row.name, row.run)
		log = MessageRecord(to_number=row.number, device=TEST_DEVICE, text="hi", status="Sent")
		log.idempotency_key, log.created_at = key, now
		existing = FrappeMessageRepository().insert_message(log)
		repository.save_outcomes(owner, [RecipientOutcome(row.name, "Sent", 1, now, log=log)])
		self.assertEqual(
			frappe.db.get_value("WhatsApp Campaign Recipient", row.name, "message_log"), existing.name
		)
		self.assertEqual(frappe.db.count("WhatsApp Message Log", {"idempotency_key": key}), 1)

	def test_expired_token_fails_with_an_actionable_reason(self) -> None:
		self.graph.fail_next(190, http_status=401, message="Error validating access token")
		result = messages.send(NUMBER, "Hello")
		self.assertEqual(result["status"], "Failed")
		self.assertIn("access token", result["error"])
		log = frappe.get_doc("WhatsApp Message Log", result["message_log"])
		self.assertEqual((log.error_code, log.error_action), (190, "stop"))

	def test_metas_subcode_trace_id_and_transient_flag_are_stored(self) -> None:
		trace = f"Trace-{frappe.generate_hash(length=10)}"
		self.graph.fail_next(
			131026, message="Message undeliverable", subcode=2494010, is_transient=True, fbtrace_id=trace
		)
		result = messages.send(NUMBER, "Hello")
		log = frappe.get_doc("WhatsApp Message Log", result["message_log"])
		self.assertEqual((log.error_subcode, log.fbtrace_id, log.error_is_transient), (2494010, trace, 1))

	def test_transient_failure_is_queued_and_the_retry_job_sends_it(self) -> None:
		self.graph.fail_next(131000, http_status=500, message="Something went wrong")
		result = messages.send(NUMBER, "Hello again")
		self.assertEqual(result["status"], "Queued")
		frappe.db.set_value("WhatsApp Message Log", result["message_log"], "next_attempt_at", "2000-01-01")
		frappe.db.commit()
		retry_queued_messages()
		log = frappe.get_doc("WhatsApp Message Log", result["message_log"])
		self.assertEqual((log.status, log.attempts), ("Sent", 2))
		self.assertEqual([event.status for event in log.status_events], ["Queued", "Sent"])

	def test_opted_out_number_is_refused(self) -> None:
		frappe.set_user("Administrator")
		number = "+9198" + unique_digits(8)
		spaced = f"00{number[1:3]} {number[3:8]} {number[8:]}"  # normalised to `number` when saved
		frappe.get_doc({"doctype": "WhatsApp Opt Out", "number": spaced, "source": "Manual"}).insert()
		customer_wrote(number)  # the opt-out refuses them, not the 24 h window
		frappe.set_user(SENDER)
		with self.assertRaises(frappe.ValidationError) as caught:
			messages.send(number, "Hello")
		self.assertIn("asked not to receive", str(caught.exception))

	def test_per_user_rate_limit_answers_429(self) -> None:
		frappe.set_user("Administrator")
		frappe.set_user(ensure_user(f"limited-{uuid.uuid4().hex[:8]}@example.com", ("WhatsApp User",)))
		configure_settings(user_send_limit_per_minute=2)
		try:
			messages.send(NUMBER, "one")
			messages.send(NUMBER, "two")
			with self.assertRaises(frappe.RateLimitExceededError):
				messages.send(NUMBER, "three")
		finally:
			configure_settings()
