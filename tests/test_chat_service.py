"""services/chat_service.py: the chat page's list, thread pages, replies through the real outbox
(MemoryRepository + the fake Graph API) and read receipts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import ServiceHarness, make_device

from whatsapp_integration.core.chat import (
	Bubble,
	ConversationFilter,
	ConversationSummary,
	ThreadCursor,
	fold_reactions,
	kind_for_file,
)
from whatsapp_integration.core.errors import InvalidMessage, WindowClosed
from whatsapp_integration.core.message import OutboundMessage, Template
from whatsapp_integration.core.vocabulary import DeviceMode, Direction, MessageStatus
from whatsapp_integration.services.chat_service import ChatService, ReadReceipt, Reply
from whatsapp_integration.testing import fake_graph_chat  # registers the read-receipt route
from whatsapp_integration.testing.memory_chat import MemoryChatRepository

NUMBER = "+919876543210"
START = datetime(2026, 3, 2, 9, 0, 0)
MakeService = Callable[..., ServiceHarness]


def conversation(name: str = "C1", **fields: Any) -> ConversationSummary:
	values: dict[str, Any] = {
		"device": "Main Number",
		"contact_number": NUMBER,
		"title": "Ada Lovelace",
		"last_message_at": START,
		"last_inbound_at": START,
		"status": "Open",
		"device_mode": DeviceMode.OFFICIAL,
	}
	values.update(fields)
	return ConversationSummary(name=name, **values)


def message(name: str, at: datetime, direction: str = Direction.INBOUND, **fields: Any) -> Bubble:
	status = MessageStatus.RECEIVED if direction == Direction.INBOUND else MessageStatus.SENT
	return Bubble(name=name, direction=direction, status=status, created_at=at, **fields)


class Chat:
	"""A ChatService on a MemoryChatRepository whose replies go through `harness`'s outbox."""

	def __init__(self, harness: ServiceHarness, **config: Any) -> None:
		self.repository = MemoryChatRepository()
		self.harness = harness
		self.service = ChatService(
			self.repository,
			harness.config.replace(**config),
			send=harness.service.send,
			devices=harness.repository.get_device,
			clear_unread=self.repository.clear_unread,
			now=harness.clock.now,
		)

	def with_messages(self, count: int, name: str = "C1", **fields: Any) -> list[Bubble]:
		self.repository.add_conversation(conversation(name, **fields))
		bubbles = [
			message(f"M{index:05d}", START + timedelta(seconds=index), wamid=f"wamid.{index}")
			for index in range(count)
		]
		for bubble in bubbles:
			self.repository.add_message(name, bubble)
		return bubbles


@pytest.fixture
def chat(make_service: MakeService) -> Chat:
	return Chat(make_service())


class TestConversationList:
	def test_filters_search_and_pages(self, chat: Chat) -> None:
		for index in range(25):
			chat.repository.add_conversation(
				conversation(
					f"C{index:02d}",
					title=f"Customer {index}",
					contact_number=f"+91987650{index:04d}",
					last_message_at=START + timedelta(minutes=index),
					unread_count=index % 2,
					assigned_to="ana@example.com" if index < 5 else None,
					device="Second" if index == 7 else "Main Number",
				)
			)
		first = chat.service.conversations(ConversationFilter(page_length=20))
		assert [row.name for row in first.conversations[:2]] == ["C24", "C23"] and first.has_more
		rest = chat.service.conversations(ConversationFilter(start=20, page_length=20))
		assert [row.name for row in rest.conversations] == ["C04", "C03", "C02", "C01", "C00"]
		assert not rest.has_more
		unread = chat.service.conversations(ConversationFilter(unread_only=True, page_length=100))
		assert {row.name for row in unread.conversations} == {f"C{i:02d}" for i in range(1, 25, 2)}
		mine = chat.service.conversations(ConversationFilter(assigned_to="ana@example.com"))
		assert len(mine.conversations) == 5
		assert [
			r.name for r in chat.service.conversations(ConversationFilter(device="Second")).conversations
		] == ["C07"]
		by_name = chat.service.conversations(ConversationFilter(search="  customer 1"))
		assert {row.name for row in by_name.conversations} == {"C01", *(f"C{i}" for i in range(10, 20))}
		by_number = chat.service.conversations(ConversationFilter(search="0012"))
		assert [row.name for row in by_number.conversations] == ["C12"]

	def test_the_conversations_of_one_document(self, chat: Chat) -> None:
		chat.repository.add_conversation(conversation("C1", contact="CONT-1"))
		chat.repository.add_conversation(conversation("C2", party_doctype="Customer", party_name="Ada"))
		contact = ConversationFilter(linked_doctype="Contact", linked_name="CONT-1")
		customer = ConversationFilter(linked_doctype="Customer", linked_name="Ada")
		assert [row.name for row in chat.service.conversations(contact).conversations] == ["C1"]
		assert [row.name for row in chat.service.conversations(customer).conversations] == ["C2"]

	@pytest.mark.parametrize(
		("wanted", "problem"),
		[
			(ConversationFilter(page_length=0), "page_length must be between 1 and 100"),
			(ConversationFilter(page_length=101), "page_length must be between 1 and 100"),
			(ConversationFilter(start=-1), "start must be 0 or more"),
			(ConversationFilter(search="x" * 141), "longer than 140 characters"),
		],
	)
	def test_bad_filters_say_what_to_change(
		self, chat: Chat, wanted: ConversationFilter, problem: str
	) -> None:
		with pytest.raises(InvalidMessage, match=problem):
			chat.service.conversations(wanted)


class TestThread:
	def test_latest_fifty_first_then_older_pages(self, chat: Chat) -> None:
		chat.with_messages(120)
		first = chat.service.thread("C1")
		assert [m.name for m in first.messages] == [f"M{i:05d}" for i in range(70, 120)]
		second = chat.service.thread("C1", first.older)
		assert [m.name for m in second.messages] == [f"M{i:05d}" for i in range(20, 70)]
		last = chat.service.thread("C1", second.older)
		assert [m.name for m in last.messages] == [f"M{i:05d}" for i in range(20)] and last.older is None

	def test_messages_of_the_same_instant_are_paged_by_name(self, chat: Chat) -> None:
		chat.repository.add_conversation(conversation())
		for name in ("A", "B", "C"):
			chat.repository.add_message("C1", message(name, START))
		first = chat.service.thread("C1", limit=2)
		assert [m.name for m in first.messages] == ["B", "C"]
		assert [m.name for m in chat.service.thread("C1", first.older, limit=2).messages] == ["A"]

	def test_a_cursor_that_is_not_one_is_refused(self, chat: Chat) -> None:
		chat.with_messages(1)
		with pytest.raises(InvalidMessage, match="is not a thread cursor"):
			chat.service.thread("C1", "yesterday")
		assert ThreadCursor.decode(ThreadCursor(START, "M1").encode()) == ThreadCursor(START, "M1")

	def test_replies_show_the_message_they_answer_also_from_an_older_page(self, chat: Chat) -> None:
		chat.with_messages(60)
		chat.repository.add_message(
			"C1",
			message(
				"R", START + timedelta(hours=1), Direction.OUTBOUND, reply_to_wamid="wamid.3", text="Yes"
			),
		)
		page = chat.service.thread("C1")
		reply = page.messages[-1]
		assert reply.quoted is not None and (reply.quoted.name, reply.quoted.direction) == (
			"M00003",
			"Inbound",
		)
		assert "M00003" not in {m.name for m in page.messages}

	def test_reactions_sit_on_the_message_they_react_to(self) -> None:
		target = message("T", START, Direction.OUTBOUND, wamid="wamid.T", text="Shipped")
		other = message("O", START, Direction.OUTBOUND, wamid="wamid.O", text="Invoice")
		first = message(
			"R1", START, message_type="reaction", reaction_to_wamid="wamid.T", reaction_emoji="👍"
		)
		later = message("R2", START, message_type="reaction", reaction_to_wamid="wamid.T", reaction_emoji="❤️")
		removed = message(
			"R3", START, message_type="reaction", reaction_to_wamid="wamid.O", reaction_emoji="👍"
		)
		gone = message("R4", START, message_type="reaction", reaction_to_wamid="wamid.O", reaction_emoji="")
		elsewhere = message(
			"R5", START, message_type="reaction", reaction_to_wamid="wamid.old", reaction_emoji="😮"
		)
		kept = fold_reactions([target, other, first, later, removed, gone, elsewhere])
		assert [bubble.name for bubble in kept] == ["T", "O", "R5"]
		assert (kept[0].reactions, kept[1].reactions) == (["❤️"], [])

	def test_one_message_must_belong_to_the_conversation(self, chat: Chat) -> None:
		chat.with_messages(2)
		chat.with_messages(1, name="C2")
		assert chat.service.message("C1", "M00001").name == "M00001"
		with pytest.raises(InvalidMessage, match="is not part of conversation C2"):
			chat.service.message("C2", "M00001")


class TestReply:
	def test_text_goes_through_the_outbox_to_the_conversation_number(self, chat: Chat) -> None:
		chat.with_messages(1, contact="CONT-1")
		record = chat.service.reply("C1", Reply(text="Hello *Ada*", idempotency_key="k1"), "ana@example.com")
		(request,) = chat.harness.graph.message_requests()
		assert request.body["to"] == "919876543210" and request.body["text"]["body"] == "Hello *Ada*"
		assert (record.status, record.device, record.requested_by) == (
			"Sent",
			"Main Number",
			"ana@example.com",
		)
		assert (record.reference_doctype, record.reference_name) == ("Contact", "CONT-1")
		again = chat.service.reply("C1", Reply(text="Hello *Ada*", idempotency_key="k1"), "ana@example.com")
		assert again.name == record.name and len(chat.harness.graph.message_requests()) == 1

	def test_a_reply_to_a_message_carries_its_context(self, chat: Chat) -> None:
		chat.with_messages(3)
		chat.service.reply(
			"C1", Reply(text="About that", reply_to="M00001", idempotency_key="k"), "ana@example.com"
		)
		(request,) = chat.harness.graph.message_requests()
		assert request.body["context"] == {"message_id": "wamid.1"}

	def test_only_official_devices_quote_the_message_answered(self, chat: Chat) -> None:
		message = OutboundMessage(to=NUMBER, text="About that", reply_to="wamid.1")
		official = chat.harness.service.build_record(message, chat.harness.device)
		web = chat.harness.service.build_record(message, make_device("Web Number", mode=DeviceMode.WEB))
		assert (official.reply_to_wamid, web.reply_to_wamid) == ("wamid.1", None)

	def test_a_reply_to_a_message_of_another_conversation_is_refused(self, chat: Chat) -> None:
		chat.with_messages(1)
		chat.with_messages(1, name="C2")
		chat.repository.add_message("C1", message("ONLY-C1", START, wamid="wamid.c1"))
		with pytest.raises(InvalidMessage, match="not a sent or received message of this conversation"):
			chat.service.reply(
				"C2", Reply(text="x", reply_to="ONLY-C1", idempotency_key="k"), "ana@example.com"
			)
		assert not chat.harness.graph.message_requests()

	def test_template_with_parameters(self, chat: Chat) -> None:
		chat.with_messages(1)
		template = Template("order_update", "en_US", ("Ada", "SO-1"))
		chat.service.reply("C1", Reply(template=template, idempotency_key="t"), "ana@example.com")
		(request,) = chat.harness.graph.message_requests()
		assert request.body["template"]["name"] == "order_update"

	def test_outside_the_window_free_text_is_refused_before_any_request(
		self, make_service: MakeService
	) -> None:
		chat = Chat(make_service(customers_wrote=False))
		chat.with_messages(1)
		with pytest.raises(WindowClosed, match="Send a template instead"):
			chat.service.reply("C1", Reply(text="Hi", idempotency_key="k"), "ana@example.com")
		assert not chat.harness.graph.message_requests()

	@pytest.mark.parametrize(
		"reply",
		[Reply(idempotency_key="k"), Reply(text="a", template=Template("t"), idempotency_key="k")],
	)
	def test_exactly_one_kind_of_content(self, chat: Chat, reply: Reply) -> None:
		chat.with_messages(1)
		with pytest.raises(InvalidMessage, match="either a text, a template or a file"):
			chat.service.reply("C1", reply, "ana@example.com")

	def test_a_customer_known_only_by_user_id_cannot_be_answered(self, chat: Chat) -> None:
		chat.with_messages(1, contact_number=None)
		with pytest.raises(InvalidMessage, match="has no phone number"):
			chat.service.reply("C1", Reply(text="Hi", idempotency_key="k"), "ana@example.com")


class TestReadReceipts:
	def test_opening_zeroes_unread_and_marks_the_newest_inbound_read_at_meta(self, chat: Chat) -> None:
		chat.with_messages(3, unread_count=3)
		chat.repository.add_message("C1", message("OUT", START + timedelta(hours=1), Direction.OUTBOUND))
		receipt = chat.service.mark_read("C1")
		assert receipt == ReadReceipt("Main Number", "wamid.2")
		assert chat.repository.get_conversation("C1").unread_count == 0
		chat.service.send_read_receipt(receipt)
		(request,) = chat.harness.graph.requests
		assert request.path.endswith(f"/{chat.harness.device.phone_number_id}/messages")
		assert request.body == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.2"}

	@pytest.mark.parametrize(
		("fields", "config"),
		[
			({"unread_count": 0}, {}),
			({"unread_count": 2}, {"send_read_receipts": False}),
			({"unread_count": 2, "device_mode": DeviceMode.WEB}, {}),
		],
	)
	def test_no_receipt(self, make_service: MakeService, fields: dict, config: dict) -> None:
		chat = Chat(make_service(), **config)
		chat.with_messages(2, **fields)
		assert chat.service.mark_read("C1") is None
		assert chat.repository.get_conversation("C1").unread_count == 0


class TestWindowAndFiles:
	def test_the_composer_window(self, chat: Chat) -> None:
		now = chat.harness.clock.now()
		chat.repository.add_conversation(conversation(last_inbound_at=now - timedelta(hours=23)))
		chat.repository.add_conversation(
			conversation("WEB", device_mode=DeviceMode.WEB, last_inbound_at=None)
		)
		_, window = chat.service.conversation("C1")
		assert (window.bound, window.is_open, window.seconds_left) == (True, True, 3600.0)
		_, web = chat.service.conversation("WEB")
		assert (web.bound, web.is_open) == (False, False)

	@pytest.mark.parametrize(
		("filename", "kind"),
		[
			("a.JPG", "image"),
			("b.png", "image"),
			("c.pdf", "document"),
			("d.mp4", "video"),
			("e.webp", "sticker"),
		],
	)
	def test_files_are_sent_as_their_kind(self, filename: str, kind: str) -> None:
		assert kind_for_file(filename) == kind
