"""The data the chat page reads, as a small typed interface.

`repositories/chat.py` implements it on the site's database (the conversation list through the
access rule of the session user); `testing/memory_chat.py` in memory.
"""

from __future__ import annotations

from typing import Protocol

from whatsapp_integration.core.chat import Bubble, ConversationFilter, ConversationSummary, ThreadCursor


class ChatRepository(Protocol):
	def list_conversations(self, wanted: ConversationFilter) -> list[ConversationSummary]:
		"""Up to `wanted.page_length + 1` conversations the reader may see, newest message first,
		from `wanted.start` (the extra row says another page exists)."""
		...

	def get_conversation(self, name: str) -> ConversationSummary:
		"""The conversation `name`; raises `LookupError` when there is none."""
		...

	def thread(self, conversation: str, before: ThreadCursor | None, limit: int) -> list[Bubble]:
		"""Up to `limit` messages of `conversation`, newest first, strictly older than `before`."""
		...

	def by_wamids(self, conversation: str, wamids: set[str]) -> list[Bubble]:
		"""The messages of `conversation` with these WhatsApp message ids."""
		...

	def message(self, conversation: str, name: str) -> Bubble | None:
		"""Message `name` when it belongs to `conversation`."""
		...

	def latest_inbound_wamid(self, conversation: str) -> str | None:
		"""The WhatsApp id of the customer's newest message in `conversation`."""
		...
