"""What people do with a WhatsApp Conversation: resolve, reopen, read it, and its 24 h window.

The rules are in `core.conversation` and `core.window`; the rows are written by the one
Conversation writer (`repositories/conversations.py`). No permission check here: the caller (the
chat API) checks `site.conversation_access.can_access` first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.conversation import ConversationState, read, reopened, resolved
from whatsapp_integration.core.window import ServiceWindow, window_for


class ConversationRepository(Protocol):
	def get(self, name: str, *, lock: bool = False) -> ConversationState:
		"""The conversation `name` (`lock`: for update); LookupError when there is none."""
		...

	def save(self, before: ConversationState, after: ConversationState) -> None:
		"""Store what changed from `before` to `after`."""
		...


class ConversationService:
	def __init__(
		self, repository: ConversationRepository, *, now: Callable[[], datetime] = datetime.now
	) -> None:
		self.repository = repository
		self._now = now

	def resolve(self, name: str) -> ConversationState:
		"""Mark it Resolved; the customer's next message reopens it."""
		return self._change(name, resolved)

	def reopen(self, name: str) -> ConversationState:
		return self._change(name, reopened)

	def mark_read(self, name: str) -> ConversationState:
		"""No unread messages any more (someone opened the conversation)."""
		return self._change(name, read)

	def window(self, name: str) -> ServiceWindow:
		"""The customer's 24 h window now: whether free text may go, and until when."""
		return window_for(self.repository.get(name).last_inbound_at, self._now())

	def _change(self, name: str, rule: Callable[[ConversationState], ConversationState]) -> ConversationState:
		before = self.repository.get(name, lock=True)
		after = rule(before)
		if after != before:
			self.repository.save(before, after)
		return after
