"""WhatsApp Conversations on a real site: kept with every message in the log row's transaction,
assigned by the Settings rule (ToDo, notification), visible to the right users only, and the 24 h
window refusing free text through the send API before any request.

Run: CI=1 bench --site <site> run-tests --module whatsapp_integration.tests.test_conversations
"""

from __future__ import annotations

import time

import frappe

from whatsapp_integration.api import messages as messages_api
from whatsapp_integration.core.errors import DuplicateKey
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import ConversationStatus
from whatsapp_integration.patches import link_messages_to_conversations
from whatsapp_integration.repositories import message_log
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.site.conversation_access import can_access, users_with_access
from whatsapp_integration.site.conversation_assignment import users_with_roles
from whatsapp_integration.site.desk import timeline_content
from whatsapp_integration.site.doctypes import CONVERSATION, MESSAGE_LOG
from whatsapp_integration.site.services import conversation_service, webhook_service
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests import webhook_utils
from whatsapp_integration.tests.utils import FakeGraphTestCase, configure_settings, ensure_user

DEVICE = webhook_utils.DEVICE


def receive(
	wa_id: str | None, text: str, *, name: str = "Ana", at: float | None = None, bsuid: str | None = None
) -> str:
	"""Apply a webhook with one text message from `wa_id` and/or `bsuid` (now, unless `at`);
	returns its wamid."""
	wamid = f"wamid.{frappe.generate_hash(length=12)}"
	moment = str(int(at or time.time()))
	message = payloads.text_message(wamid, text, wa_id=wa_id, user_id=bsuid, timestamp=moment)
	contact = payloads.contact(wa_id, name, user_id=bsuid)
	change = webhook_utils.messages_change(messages=[message], contacts=[contact])
	webhook_service().process(payloads.encode(payloads.envelope([change])))
	return wamid


def conversation_of(wa_id: str) -> frappe._dict:
	return frappe.db.get_value(
		CONVERSATION, {"device": DEVICE, "contact_number": "+" + wa_id}, "*", as_dict=True
	)


class TestConversations(FakeGraphTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		webhook_utils.configure_webhook()
		run = frappe.generate_hash(length=6)
		cls.alice = ensure_user(f"wa-conv-alice-{run}@example.com", ("WhatsApp User",))
		cls.bob = ensure_user(f"wa-conv-bob-{run}@example.com", ("WhatsApp User",))

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		configure_settings(conversation_assignment="None")

	def test_an_inbound_message_creates_its_conversation_with_the_log_row(self) -> None:
		wa_id = webhook_utils.unique_number()
		wamid = receive(wa_id, "Where is <b>my</b> order?", name="Ana <script>")
		conversation = conversation_of(wa_id)
		log = frappe.db.get_value(
			MESSAGE_LOG, {"wamid": wamid}, ["conversation", "received_at"], as_dict=True
		)
		self.assertEqual(log.conversation, conversation.name)
		self.assertEqual((conversation.unread_count, conversation.status), (1, ConversationStatus.OPEN))
		self.assertEqual(conversation.last_inbound_at, log.received_at)
		self.assertEqual(conversation.last_message_preview, "Where is <b>my</b> order?")
		self.assertEqual((conversation.last_direction, conversation.title), ("Inbound", "Ana script"))

	def test_each_inbound_message_counts_unread_and_reopens_a_resolved_conversation(self) -> None:
		wa_id = webhook_utils.unique_number()
		receive(wa_id, "Hello")
		name = conversation_of(wa_id).name
		conversation_service().resolve(name)
		self.assertEqual(frappe.db.get_value(CONVERSATION, name, "status"), ConversationStatus.RESOLVED)
		receive(wa_id, "Still there?")
		row = conversation_of(wa_id)
		self.assertEqual((row.name, row.unread_count, row.status), (name, 2, ConversationStatus.OPEN))
		self.assertEqual(conversation_service().mark_read(name).unread_count, 0)
		self.assertTrue(conversation_service().window(name).is_open)

	def test_an_outbound_message_and_its_conversation_are_written_together(self) -> None:
		taken = self._outbound("+" + webhook_utils.unique_number(), frappe.generate_hash())
		self.assertEqual(frappe.db.get_value(MESSAGE_LOG, taken.name, "conversation"), taken.conversation)
		number = "+" + webhook_utils.unique_number()
		with self.assertRaises(DuplicateKey):  # the log row is refused: its conversation is not kept
			self._outbound(number, taken.idempotency_key or "")
		self.assertFalse(frappe.db.exists(CONVERSATION, {"device": DEVICE, "contact_number": number}))

	def test_a_message_without_a_customer_is_logged_without_a_conversation(self) -> None:
		stored = self._outbound(None, frappe.generate_hash())
		self.assertIsNone(stored.conversation)
		self.assertFalse(frappe.db.get_value(MESSAGE_LOG, stored.name, "conversation"))

	def _outbound(self, number: str | None, key: str) -> MessageRecord:
		record = MessageRecord(to_number=number, device=DEVICE, text="Your order shipped", status="Sent")
		record.created_at, record.idempotency_key = frappe.utils.now_datetime(), key
		return FrappeMessageRepository().insert_message(record)

	def test_a_campaign_batch_starts_and_updates_conversations_at_once(self) -> None:
		known, new = webhook_utils.unique_number(), webhook_utils.unique_number()
		receive(known, "Hello")
		contact = self._contact(new, owner=self.alice)
		logs = []
		for wa_id in (known, new):
			record = MessageRecord(
				to_number="+" + wa_id, device=DEVICE, text=f"Offer for {wa_id}", status="Sent"
			)
			record.created_at, record.idempotency_key = frappe.utils.now_datetime(), frappe.generate_hash()
			logs.append((frappe.generate_hash(length=10), record))
		stored = message_log.insert_many(logs, lambda name, record, error: None)
		frappe.db.commit()
		first, second = conversation_of(known), conversation_of(new)
		self.assertEqual([record.conversation for _, record in stored], [first.name, second.name])
		for (name, _record), conversation in zip(logs, (first, second), strict=True):
			self.assertEqual(frappe.db.get_value(MESSAGE_LOG, name, "conversation"), conversation.name)
		self.assertEqual((first.unread_count, first.last_direction), (1, "Outbound"))
		self.assertEqual(first.last_message_preview, f"Offer for {known}")
		self.assertEqual((second.contact, second.title, second.unread_count), (contact, contact, 0))
		self.assertIsNone(second.last_inbound_at)

	def test_free_text_outside_the_window_is_refused_by_the_send_api_before_any_request(self) -> None:
		wa_id = webhook_utils.unique_number()
		receive(wa_id, "Hi", at=time.time() - 25 * 3600)
		with self.assertRaises(frappe.ValidationError) as caught:
			messages_api.send(to="+" + wa_id, text="Your order shipped", device=DEVICE)
		self.assertIn("more than 24 hours ago", str(caught.exception))
		self.assertIn("template", str(caught.exception))
		self.assertEqual(self.graph.message_requests(), [])
		receive(wa_id, "Hello again")
		sent = messages_api.send(to="+" + wa_id, text="Your order shipped", device=DEVICE)
		self.assertEqual(sent["status"], "Sent")
		self.assertEqual(len(self.graph.message_requests()), 1)

	def test_a_message_under_the_customers_bsuid_keeps_their_window_open(self) -> None:
		wa_id, bsuid = webhook_utils.unique_number(), f"US.{webhook_utils.unique_number()}"
		receive(wa_id, "Hi", at=time.time() - 30 * 3600, bsuid=bsuid)  # with number and BSUID
		receive(None, "Hi again", at=time.time() - 10 * 3600, bsuid=bsuid)  # the BSUID only
		conversation = conversation_of(wa_id)
		self.assertEqual((conversation.bsuid, conversation.unread_count), (bsuid, 2))
		sent = messages_api.send(to="+" + wa_id, text="Your order shipped", device=DEVICE)
		self.assertEqual(sent["status"], "Sent")
		log = frappe.db.get_value(MESSAGE_LOG, sent["message_log"], "conversation")
		self.assertEqual(log, conversation.name)

	def test_the_contact_owner_is_assigned_gets_a_todo_and_a_notification(self) -> None:
		configure_settings(conversation_assignment="Contact Owner")
		wa_id = webhook_utils.unique_number()
		contact = self._contact(wa_id, owner=self.alice)
		receive(wa_id, "I need help")
		conversation = conversation_of(wa_id)
		self.assertEqual((conversation.assigned_to, conversation.contact), (self.alice, contact))
		todo = {
			"reference_type": CONVERSATION,
			"reference_name": conversation.name,
			"allocated_to": self.alice,
		}
		self.assertTrue(frappe.db.exists("ToDo", {**todo, "status": "Open"}))
		receive(wa_id, "Anyone?")
		notes = frappe.get_all(
			"Notification Log",
			filters={"document_name": conversation.name, "for_user": self.alice, "type": "Alert"},
		)
		self.assertEqual(len(notes), 2)
		self.assertEqual(frappe.db.count("ToDo", todo), 1)

	def test_round_robin_assigns_the_next_whatsapp_user_in_turn(self) -> None:
		configure_settings(conversation_assignment="Round Robin")
		rotation = users_with_roles(("WhatsApp User",))
		receive(first := webhook_utils.unique_number(), "one")
		receive(second := webhook_utils.unique_number(), "two")
		one, two = conversation_of(first).assigned_to, conversation_of(second).assigned_to
		self.assertIn(one, rotation)
		self.assertEqual(two, rotation[(rotation.index(one) + 1) % len(rotation)])

	def test_a_whatsapp_user_sees_only_their_conversations_and_messages(self) -> None:
		configure_settings(conversation_assignment="Contact Owner")
		mine, other = webhook_utils.unique_number(), webhook_utils.unique_number()
		self._contact(mine, owner=self.alice)
		self._contact(other, owner=self.bob)
		mine_wamid, other_wamid = receive(mine, "for alice"), receive(other, "for bob")
		mine_name, other_name = conversation_of(mine).name, conversation_of(other).name
		frappe.set_user(self.alice)
		visible = set(
			frappe.get_list(CONVERSATION, pluck="name", filters={"name": ("in", [mine_name, other_name])})
		)
		self.assertEqual(visible, {mine_name})
		self.assertTrue(frappe.has_permission(CONVERSATION, doc=mine_name))
		self.assertFalse(frappe.has_permission(CONVERSATION, doc=other_name))
		logs = frappe.get_list(
			MESSAGE_LOG, pluck="wamid", filters={"wamid": ("in", [mine_wamid, other_wamid])}
		)
		self.assertEqual(logs, [mine_wamid])
		other_log = frappe.db.get_value(MESSAGE_LOG, {"wamid": other_wamid})
		self.assertFalse(frappe.has_permission(MESSAGE_LOG, doc=other_log))
		frappe.set_user("Administrator")
		self.assertTrue(can_access(mine_name, self.alice) and not can_access(other_name, self.alice))
		allowed = users_with_access(mine_name)
		self.assertIn(self.alice, allowed)
		self.assertNotIn(self.bob, allowed)

	def test_a_whatsapp_user_who_may_read_the_contact_sees_its_conversation(self) -> None:
		wa_id = webhook_utils.unique_number()
		contact = self._contact(wa_id, owner="Administrator")
		wamid = receive(wa_id, "Question")  # assignment rule None: nobody is assigned
		name = conversation_of(wa_id).name
		frappe.share.add("Contact", contact, self.alice)  # Alice may read the Contact, Bob may not
		frappe.db.commit()
		for user, sees in ((self.alice, True), (self.bob, False)):
			frappe.set_user(user)
			self.assertEqual(
				frappe.get_list(CONVERSATION, pluck="name", filters={"name": name}), [name] if sees else []
			)
			self.assertEqual(frappe.has_permission(CONVERSATION, doc=name), sees)
			logs = frappe.get_list(MESSAGE_LOG, pluck="wamid", filters={"wamid": wamid})
			self.assertEqual(logs, [wamid] if sees else [])

	def test_inbound_messages_show_escaped_on_the_contacts_timeline_for_allowed_users(self) -> None:
		configure_settings(conversation_assignment="Contact Owner")
		wa_id = webhook_utils.unique_number()
		contact = self._contact(wa_id, owner=self.alice)
		receive(wa_id, "<img src=x onerror=alert(1)>", name="Ana")
		html = "".join(item["content"] for item in timeline_content("Contact", contact))
		self.assertIn("WhatsApp from Ana", html)
		self.assertIn("&lt;img src=x onerror=alert(1)&gt;", html)
		self.assertNotIn("<img", html)
		frappe.set_user(self.alice)  # the assignee
		self.assertEqual(len(timeline_content("Contact", contact)), 1)
		frappe.set_user(self.bob)  # neither assigned nor able to read the Contact
		self.assertEqual(timeline_content("Contact", contact), [])

	def test_the_upgrade_patch_gives_messages_logged_before_conversations_theirs(self) -> None:
		wa_id, at = webhook_utils.unique_number(), frappe.utils.add_days(frappe.utils.now_datetime(), -2)
		row = {"doctype": MESSAGE_LOG, "device": DEVICE, "message_type": "text"}
		question = frappe.get_doc(
			{
				**row,
				"direction": "Inbound",
				"status": "Received",
				"from_number": "+" + wa_id,
				"received_at": at,
			}
		)
		question.update({"text": "Old question", "wamid": f"wamid.{frappe.generate_hash(length=12)}"})
		question.insert(ignore_permissions=True)  # as before: no conversation
		answer = frappe.get_doc({**row, "direction": "Outbound", "status": "Sent", "to_number": "+" + wa_id})
		answer.text = "Old  answer\nhere"
		answer.insert(ignore_permissions=True)
		link_messages_to_conversations.execute()
		conversation = conversation_of(wa_id)
		for log in (question.name, answer.name):
			self.assertEqual(frappe.db.get_value(MESSAGE_LOG, log, "conversation"), conversation.name)
		self.assertEqual(
			(conversation.last_inbound_at, conversation.last_message_preview, conversation.last_direction),
			(at, "Old answer here", "Outbound"),
		)
		self.assertEqual((conversation.unread_count, conversation.assigned_to), (0, None))

	def _contact(self, wa_id: str, owner: str) -> str:
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": f"Conv {frappe.generate_hash(length=6)}",
				"phone_nos": [{"phone": "+" + wa_id, "is_primary_mobile_no": 1}],
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value("Contact", contact.name, "owner", owner, update_modified=False)
		frappe.db.commit()
		return contact.name
