"""The chat page's API (api/conversations.py) on a site: inbound messages arrive through the real
webhook service, replies leave through the outbox to a fake Graph API in this process; paging,
the access rule for WhatsApp Users, replies with their context, the window, read receipts and
realtime events only for the users who may see a conversation."""

from __future__ import annotations

import time
from typing import Any
from unittest.mock import patch

import frappe

from whatsapp_integration.api import conversations as api
from whatsapp_integration.site import chat_realtime
from whatsapp_integration.site.chat import send_read_receipt
from whatsapp_integration.site.doctypes import CONVERSATION, MESSAGE_LOG
from whatsapp_integration.site.services import webhook_service
from whatsapp_integration.testing import fake_graph_chat  # registers the read-receipt route
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.fake_graph_media_upload import uploads
from whatsapp_integration.tests.utils import (
	TEST_DEVICE,
	TEST_PHONE_NUMBER_ID,
	FakeGraphTestCase,
	configure_settings,
	ensure_user,
	unique_digits,
)

CHAT_USER = "wa-chat-user@example.com"
OTHER_USER = "wa-chat-other@example.com"
DAY = 24 * 3600
assert fake_graph_chat.route  # imported for its route


def customer_writes(number: str, *texts: str, name: str = "Ada", at: float | None = None) -> list[str]:
	"""The customer `number` (digits) writes `texts` to the test device through the webhook
	service; returns the Message Log names, oldest first."""
	stamp = int(at or time.time())
	wamids = [f"wamid.{frappe.generate_hash(length=12)}" for _ in texts]
	messages = [
		payloads.text_message(wamid, text, wa_id=number, timestamp=str(stamp + index))
		for index, (wamid, text) in enumerate(zip(wamids, texts, strict=True))
	]
	change = payloads.messages_change(
		messages, contacts=[payloads.contact(number, name)], phone_number_id=TEST_PHONE_NUMBER_ID
	)
	webhook_service().process(payloads.encode(payloads.envelope([change])))
	frappe.db.commit()
	names = frappe.get_all(MESSAGE_LOG, filters={"wamid": ("in", wamids)}, fields=["name", "wamid"])
	by_wamid = {row.wamid: row.name for row in names}
	return [by_wamid[wamid] for wamid in wamids]


def conversation_of(message: str) -> str:
	return frappe.db.get_value(MESSAGE_LOG, message, "conversation")


def new_number() -> str:
	return "49176" + unique_digits(8)


class TestChatApi(FakeGraphTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_settings(send_read_receipts=1)

	def test_thread_opens_on_the_latest_fifty_and_pages_back(self) -> None:
		number = new_number()
		names = customer_writes(number, *(f"message {index}" for index in range(60)))
		conversation = conversation_of(names[0])
		first = api.thread(conversation)
		self.assertEqual([m["name"] for m in first["messages"]], names[10:])
		self.assertEqual(first["conversation"]["contact_number"], "+" + number)
		self.assertTrue(first["window"]["is_open"] and first["window"]["bound"])
		older = api.thread(conversation, older=first["older"])
		self.assertEqual([m["name"] for m in older["messages"]], names[:10])
		self.assertIsNone(older["older"])

	def test_list_filters_search_and_reading_clears_unread(self) -> None:
		number = new_number()
		conversation = conversation_of(customer_writes(number, "Hello", "Are you there?")[0])
		unread = api.conversations(filter="unread", search=number[-8:])
		self.assertEqual([row["name"] for row in unread["conversations"]], [conversation])
		self.assertEqual(unread["conversations"][0]["unread_count"], 2)
		self.assertEqual(api.mark_read(conversation), {"unread_count": 0, "read_receipt": True})
		self.assertEqual(frappe.db.get_value(CONVERSATION, conversation, "unread_count"), 0)
		self.assertFalse(api.conversations(filter="unread", search=number[-8:])["conversations"])
		self.assertEqual(api.conversations(search="no such customer 0000")["conversations"], [])

	def test_read_receipt_job_tells_meta(self) -> None:
		names = customer_writes(new_number(), "Hello")
		wamid = frappe.db.get_value(MESSAGE_LOG, names[0], "wamid")
		send_read_receipt(TEST_DEVICE, wamid)
		(request,) = self.graph.requests
		self.assertEqual(
			request.body, {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
		)

	def test_reply_answers_a_message_through_the_outbox(self) -> None:
		number = new_number()
		(asked,) = customer_writes(number, "Where is my order?")
		conversation = conversation_of(asked)
		key = frappe.generate_hash(length=12)
		result = api.send_reply(conversation, key, text="It ships *today*", reply_to=asked)
		self.assertEqual(result["status"], "Sent")
		(request,) = self.graph.message_requests()
		wamid = frappe.db.get_value(MESSAGE_LOG, asked, "wamid")
		self.assertEqual(request.body["context"], {"message_id": wamid})
		self.assertEqual(request.body["to"], number)
		self.assertEqual(conversation_of(result["message_log"]), conversation)
		again = api.send_reply(conversation, key, text="It ships *today*", reply_to=asked)
		self.assertEqual(again["message_log"], result["message_log"])
		self.assertEqual(len(self.graph.message_requests()), 1)
		reply = api.thread(conversation)["messages"][-1]
		self.assertEqual((reply["name"], reply["quoted"]["name"]), (result["message_log"], asked))

	def test_a_file_reply_is_uploaded_to_meta_and_sent_by_id(self) -> None:
		number = new_number()
		(asked,) = customer_writes(number, "Send me the invoice please")
		content = b"%PDF-1.4\n% invoice " + frappe.generate_hash(length=32).encode() + b"\n%%EOF\n"
		file = frappe.get_doc(
			{"doctype": "File", "file_name": "INV-chat.pdf", "is_private": 1, "content": content}
		).insert(ignore_permissions=True)
		conversation = conversation_of(asked)
		result = api.send_reply(conversation, frappe.generate_hash(length=12), file_url=file.file_url)
		self.assertEqual(result["status"], "Sent", result["error"])
		(upload,) = uploads(self.graph)
		self.assertEqual(upload["fields"]["type"], "application/pdf")
		body = self.graph.message_requests()[-1].body
		self.assertEqual(body["document"], {"id": upload["id"], "filename": file.file_url.rsplit("/", 1)[-1]})
		with self.assertRaisesRegex(frappe.ValidationError, "There is no File"):
			api.send_reply(conversation, frappe.generate_hash(length=12), file_url="/private/files/none.pdf")

	def test_outside_the_window_free_text_is_refused_and_the_composer_knows(self) -> None:
		(old,) = customer_writes(new_number(), "Hi", at=time.time() - 2 * DAY)
		conversation = conversation_of(old)
		page = api.thread(conversation)
		self.assertFalse(page["window"]["is_open"])
		sent_at, logged_at = page["messages"][0]["received_at"], page["messages"][0]["created_at"]
		self.assertGreater(logged_at[:10], sent_at[:10], "the bubble shows when the customer wrote")
		with self.assertRaisesRegex(frappe.ValidationError, "Send a template instead"):
			api.send_reply(conversation, frappe.generate_hash(length=12), text="Hello again")
		self.assertFalse(self.graph.message_requests())

	def test_retry_puts_a_failed_reply_back_in_the_outbox(self) -> None:
		number = new_number()
		conversation = conversation_of(customer_writes(number, "Hi")[0])
		self.graph.fail_next(code=131009, http_status=400, message="(#131009) Parameter value is not valid")
		failed = api.send_reply(conversation, frappe.generate_hash(length=12), text="Hello")
		self.assertEqual(failed["status"], "Failed")
		self.assertEqual(api.retry(conversation, failed["message_log"])["status"], "Queued")
		other = conversation_of(customer_writes(new_number(), "Hi")[0])
		with self.assertRaisesRegex(frappe.ValidationError, "is not part of conversation"):
			api.retry(other, failed["message_log"])


class TestChatAccess(FakeGraphTestCase):
	def test_a_whatsapp_user_sees_only_their_conversations_and_events(self) -> None:
		ensure_user(CHAT_USER, ("WhatsApp User",))
		ensure_user(OTHER_USER, ("WhatsApp User",))
		mine = conversation_of(customer_writes(new_number(), "Mine")[0])
		theirs = conversation_of(customer_writes(new_number(), "Not mine")[0])
		frappe.db.set_value(CONVERSATION, mine, "assigned_to", CHAT_USER)
		frappe.db.commit()
		for user in (CHAT_USER, OTHER_USER):  # both have the chat page open
			frappe.set_user(user)
			api.watch()
		frappe.set_user("Administrator")
		published = self.published_by(lambda: customer_writes(self.number_of(mine), "Again"))
		self.assertIn(CHAT_USER, published[mine])
		self.assertNotIn(OTHER_USER, published[mine])
		frappe.set_user(CHAT_USER)
		listed = {row["name"] for row in api.conversations(page_length=100)["conversations"]}
		self.assertIn(mine, listed)
		self.assertNotIn(theirs, listed)
		self.assertTrue(api.thread(mine)["messages"])
		for call in (
			lambda: api.thread(theirs),
			lambda: api.message(theirs, "anything"),
			lambda: api.mark_read(theirs),
			lambda: api.send_reply(theirs, "k", text="x"),
		):
			with self.assertRaises(frappe.PermissionError):
				call()

	def test_nobody_watching_nothing_published(self) -> None:
		frappe.cache.delete_value(chat_realtime.VIEWERS)
		number = new_number()
		self.assertEqual(self.published_by(lambda: customer_writes(number, "Hello")), {})
		api.watch()
		conversation = conversation_of(customer_writes(number, "Anyone?")[0])
		self.assertEqual(
			self.published_by(lambda: customer_writes(number, "Hello?")), {conversation: {"Administrator"}}
		)

	def test_no_role_no_chat(self) -> None:
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			api.conversations()

	def number_of(self, conversation: str) -> str:
		return frappe.db.get_value(CONVERSATION, conversation, "contact_number").lstrip("+")

	def published_by(self, action: Any) -> dict[str, set[str]]:
		"""conversation -> the users `action` published a whatsapp_chat event to."""
		seen: dict[str, set[str]] = {}
		real = frappe.publish_realtime

		def record(event: str, message: Any = None, *args: Any, **kwargs: Any) -> Any:
			if event == "whatsapp_chat":
				seen.setdefault(message["conversation"], set()).add(kwargs.get("user"))
				self.assertNotIn("text", message)
			return real(event, message, *args, **kwargs)

		with patch.object(frappe, "publish_realtime", record):
			action()
		return seen
