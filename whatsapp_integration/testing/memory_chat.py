"""An in-memory `ChatRepository` for framework-free tests and benchmarks."""

from __future__ import annotations

import copy
from datetime import datetime

from whatsapp_integration.core.chat import Bubble, ConversationFilter, ConversationSummary, ThreadCursor
from whatsapp_integration.core.vocabulary import Direction


class MemoryChatRepository:
	def __init__(self) -> None:
		self.conversations: dict[str, ConversationSummary] = {}
		self._messages: dict[str, list[Bubble]] = {}

	def add_conversation(self, summary: ConversationSummary) -> None:
		self.conversations[summary.name] = summary
		self._messages.setdefault(summary.name, [])

	def add_message(self, conversation: str, bubble: Bubble) -> None:
		self._messages[conversation].append(bubble)

	def list_conversations(self, wanted: ConversationFilter) -> list[ConversationSummary]:
		rows = [row for row in self.conversations.values() if _matches(row, wanted)]
		rows.sort(key=lambda row: (row.last_message_at or datetime.min, row.name), reverse=True)
		return copy.deepcopy(rows[wanted.start : wanted.start + wanted.page_length + 1])

	def get_conversation(self, name: str) -> ConversationSummary:
		if name not in self.conversations:
			raise LookupError(f"WhatsApp Conversation {name!r} does not exist.")
		return copy.deepcopy(self.conversations[name])

	def thread(self, conversation: str, before: ThreadCursor | None, limit: int) -> list[Bubble]:
		rows = sorted(self._bubbles(conversation), key=lambda row: (row.created_at, row.name), reverse=True)
		if before:
			rows = [row for row in rows if (row.created_at, row.name) < (before.created_at, before.name)]
		return copy.deepcopy(rows[:limit])

	def by_wamids(self, conversation: str, wamids: set[str]) -> list[Bubble]:
		return copy.deepcopy([row for row in self._bubbles(conversation) if row.wamid in wamids])

	def message(self, conversation: str, name: str) -> Bubble | None:
		found = [row for row in self._bubbles(conversation) if row.name == name]
		return copy.deepcopy(found[0]) if found else None

	def latest_inbound_wamid(self, conversation: str) -> str | None:
		inbound = [
			row for row in self.thread(conversation, None, 10**9) if row.direction == Direction.INBOUND
		]
		return inbound[0].wamid if inbound else None

	def clear_unread(self, conversation: str) -> None:
		self.conversations[conversation].unread_count = 0

	def _bubbles(self, conversation: str) -> list[Bubble]:
		return self._messages.get(conversation, [])


def _matches(row: ConversationSummary, wanted: ConversationFilter) -> bool:
	if wanted.unread_only and not row.unread_count:
		return False
	if wanted.assigned_to and row.assigned_to != wanted.assigned_to:
		return False
	if wanted.device and row.device != wanted.device:
		return False
	if wanted.linked_doctype and _link(row, wanted.linked_doctype) != wanted.linked_name:
		return False
	if wanted.search:
		needle = wanted.search.casefold()
		return any(needle in (value or "").casefold() for value in (row.title, row.contact_number))
	return True


def _link(row: ConversationSummary, doctype: str) -> str | None:
	if doctype == "Contact":
		return row.contact
	return row.party_name if row.party_doctype == doctype else None
