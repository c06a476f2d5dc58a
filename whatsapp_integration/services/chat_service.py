"""The chat page's service: the conversation list, thread pages, replies and read receipts.

Reads go through `ChatRepository`; replies go through the outbox (`MessageService.send`), so a
reply is validated, logged, idempotent and retried like every other send, and the 24 h window
rule of the outbox applies to it. Access is the caller's: the API checks the reader may see a
conversation before it calls in here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from whatsapp_integration.core import chat
from whatsapp_integration.core.chat import (
	Bubble,
	ConversationFilter,
	ConversationPage,
	ConversationSummary,
	ThreadPage,
	WindowView,
)
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import DeviceMode, MessageType
from whatsapp_integration.senders.factory import DeviceProfile, build_cloud_sender
from whatsapp_integration.services.chat_repository import ChatRepository


@dataclass(frozen=True)
class Reply:
	"""What the composer sends: text, a template or a file, maybe answering one message."""

	text: str | None = None
	template: Template | None = None
	media: Media | None = None
	reply_to: str | None = None  # the Message Log row answered
	idempotency_key: str | None = None


@dataclass(frozen=True)
class ReadReceipt:
	"""Tell Meta the customer's messages up to `wamid` were read (on an official device)."""

	device: str
	wamid: str


class ChatService:
	def __init__(
		self,
		repository: ChatRepository,
		config: WhatsAppConfig,
		*,
		send: Callable[[OutboundMessage], MessageRecord],
		devices: Callable[[str | None], DeviceProfile],
		clear_unread: Callable[[str], object],
		now: Callable[[], datetime] = datetime.now,
	) -> None:
		self.repository = repository
		self.config = config
		self._send = send
		self._devices = devices
		self._clear_unread = clear_unread
		self._now = now

	def conversations(self, wanted: ConversationFilter) -> ConversationPage:
		wanted = chat.check_filter(wanted)
		rows = self.repository.list_conversations(wanted)
		return ConversationPage(rows[: wanted.page_length], len(rows) > wanted.page_length)

	def conversation(self, name: str) -> tuple[ConversationSummary, WindowView]:
		"""The thread header: the conversation and its 24 h window now."""
		summary = self.repository.get_conversation(name)
		return summary, chat.window_view(summary, self.config.enforce_window_for_web, self._now())

	def thread(
		self, conversation: str, older: str | None = None, limit: int = chat.MESSAGES_PER_PAGE
	) -> ThreadPage:
		"""The newest `limit` messages of `conversation` before cursor `older`, oldest first, each
		with the message it answers and the reactions it got."""
		limit = chat.check_page_size(limit)
		rows = self.repository.thread(conversation, chat.ThreadCursor.decode(older), limit + 1)
		page = chat.thread_page(rows, limit)
		page.messages = chat.fold_reactions(page.messages)
		self._quote(conversation, page.messages)
		return page

	def message(self, conversation: str, name: str) -> Bubble:
		"""One message of `conversation` (a realtime event names it), with its quote."""
		bubble = self.repository.message(conversation, name)
		if bubble is None:
			raise InvalidMessage(
				_("Message {name} is not part of conversation {conversation}.").format(
					name=name, conversation=conversation
				)
			)
		self._quote(conversation, [bubble])
		return bubble

	def reply(self, conversation: str, reply: Reply, user: str) -> MessageRecord:
		"""Send `reply` to the customer of `conversation` from its device, through the outbox."""
		summary = self.repository.get_conversation(conversation)
		if not summary.contact_number:
			raise InvalidMessage(
				_(
					"Conversation {conversation} has no phone number (the customer is known only by their "
					"user id), so WhatsApp cannot be sent a reply to it."
				).format(conversation=conversation)
			)
		message = OutboundMessage(
			to=summary.contact_number,
			device=summary.device,
			reply_to=self._reply_to(conversation, reply.reply_to),
			idempotency_key=reply.idempotency_key,
			requested_by=user,
			reference_doctype=summary.party_doctype or ("Contact" if summary.contact else None),
			reference_name=summary.party_name or summary.contact,
			**_content(reply),
		)
		return self._send(message)

	def mark_read(self, conversation: str) -> ReadReceipt | None:
		"""Zero the unread count; the receipt to send to Meta when Settings allow it and the
		device is official (marking the newest message read marks the earlier ones too)."""
		summary = self.repository.get_conversation(conversation)
		self._clear_unread(conversation)
		if not (self.config.send_read_receipts and summary.unread_count and summary.device):
			return None
		if summary.device_mode != DeviceMode.OFFICIAL:
			return None
		wamid = self.repository.latest_inbound_wamid(conversation)
		return ReadReceipt(summary.device, wamid) if wamid else None

	def send_read_receipt(self, receipt: ReadReceipt) -> None:
		"""POST the read status to Meta for `receipt` (run in a background job)."""
		build_cloud_sender(self._devices(receipt.device), self.config).mark_read(receipt.wamid)

	def _reply_to(self, conversation: str, name: str | None) -> str | None:
		if not name:
			return None
		answered = self.repository.message(conversation, name)
		if answered is None or not answered.wamid:
			raise InvalidMessage(
				_(
					"Message {name} is not a sent or received message of this conversation; "
					"choose another message to reply to."
				).format(name=name)
			)
		return answered.wamid

	def _quote(self, conversation: str, messages: list[Bubble]) -> None:
		wanted = {bubble.reply_to_wamid for bubble in messages if bubble.reply_to_wamid}
		if not wanted:
			return
		answered = {bubble.wamid: bubble for bubble in messages if bubble.wamid in wanted}
		missing = wanted - set(answered)
		if missing:
			answered.update((b.wamid, b) for b in self.repository.by_wamids(conversation, missing))
		for bubble in messages:
			target = answered.get(bubble.reply_to_wamid or "")
			bubble.quoted = chat.quote(target) if target else None


def _content(reply: Reply) -> dict:
	"""The OutboundMessage fields of the one kind of content `reply` carries."""
	kinds = [kind for kind in (reply.text, reply.template, reply.media) if kind]
	if len(kinds) != 1:
		raise InvalidMessage(_("Send either a text, a template or a file, one at a time."))

	if reply.template:
		return {"message_type": MessageType.TEMPLATE, "template": reply.template}
	if reply.media:
		return {"message_type": reply.media.kind, "media": reply.media}
	return {"message_type": MessageType.TEXT, "text": reply.text}
