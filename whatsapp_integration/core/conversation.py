"""WhatsApp Conversations: one per business number (device) and customer, kept by every message.

`apply_message` is the one upsert rule: the conversation as it reads after a message, from the
conversation before it (None: the first message). `choose_assignee` picks who a conversation is
assigned to when its customer first writes. Both are pure; the repository stores the result in
the transaction that writes the message's log row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import AssignmentRule, ConversationStatus, Direction, MessageType
from whatsapp_integration.core.webhook_records import ContactLink, InboundRecord

PREVIEW_LENGTH = 140
KEY_SEPARATOR = "|"
_NO_MARKUP = str.maketrans("", "", "<>")


@dataclass(frozen=True)
class MessageSeen:
	"""What one logged message tells its conversation."""

	device: str
	direction: str
	at: datetime
	preview: str
	number: str | None = None  # the customer's E.164 number
	bsuid: str | None = None  # the customer's business-scoped user id
	contact: ContactLink | None = None
	profile_name: str | None = None


@dataclass(frozen=True)
class ConversationState:
	"""The stored fields of a WhatsApp Conversation."""

	device: str
	conversation_key: str
	contact_number: str | None = None
	bsuid: str | None = None
	title: str | None = None
	status: str = ConversationStatus.OPEN
	contact: str | None = None
	party_doctype: str | None = None
	party_name: str | None = None
	assigned_to: str | None = None
	last_inbound_at: datetime | None = None
	last_message_at: datetime | None = None
	last_message_preview: str | None = None
	last_direction: str | None = None
	unread_count: int = 0
	name: str | None = None


def conversation_key(device: str, number: str | None, bsuid: str | None) -> str:
	"""The unique key of a customer's conversation on `device`: their number, else their BSUID."""
	customer = number or bsuid
	if not customer:
		raise ValueError("A conversation needs the customer's number or BSUID.")
	return f"{device}{KEY_SEPARATOR}{customer}"


def preview_of(
	message_type: str,
	text: str | None = None,
	caption: str | None = None,
	filename: str | None = None,
	template_name: str | None = None,
) -> str:
	"""One line of plain text for the conversation list (escape it where it is shown)."""
	if message_type == MessageType.TEMPLATE and not text:
		body = f"[template] {template_name or ''}"
	elif text:
		body = text
	else:
		detail = caption or filename
		body = f"[{message_type}]" + (f" {detail}" if detail else "")
	line = " ".join(body.split())
	return line if len(line) <= PREVIEW_LENGTH else line[: PREVIEW_LENGTH - 1] + "…"


def seen_inbound(record: InboundRecord) -> MessageSeen:
	"""What a customer's message (an inbound Message Log row) tells its conversation."""
	return MessageSeen(
		device=record.device,
		direction=Direction.INBOUND,
		at=record.received_at,
		preview=preview_of(record.message_type, record.text, record.media_caption, record.media_filename),
		number=record.from_number,
		bsuid=record.from_user_id,
		contact=record.contact,
		profile_name=record.profile_name,
	)


def seen_outbound(record: MessageRecord, at: datetime) -> MessageSeen:
	"""What a message to a customer (an outbound Message Log row, logged at `at`) tells it."""
	return MessageSeen(
		device=record.device or "",
		direction=Direction.OUTBOUND,
		at=at,
		preview=preview_of(
			record.message_type,
			record.text,
			record.media_caption,
			record.media_filename,
			record.template_name,
		),
		number=record.to_number,
	)


def apply_message(before: ConversationState | None, message: MessageSeen) -> ConversationState:
	"""The conversation after `message`. An inbound message counts as unread, moves the last
	inbound time and reopens a Resolved conversation; any message newer than the last one becomes
	the list's preview (a late, older one does not); a Contact found for the customer is linked."""
	state = before or _new(message)
	changes: dict[str, object] = {}
	inbound = message.direction == Direction.INBOUND
	if inbound:
		changes["unread_count"] = state.unread_count + 1
		changes["status"] = ConversationStatus.OPEN
		if state.last_inbound_at is None or message.at > state.last_inbound_at:
			changes["last_inbound_at"] = message.at
	if state.last_message_at is None or message.at >= state.last_message_at:
		changes.update(
			last_message_at=message.at, last_message_preview=message.preview, last_direction=message.direction
		)
	if message.number and not state.contact_number:
		changes["contact_number"] = message.number
	if message.bsuid and not state.bsuid:
		changes["bsuid"] = message.bsuid
	if message.contact and message.contact.contact != state.contact:
		changes.update(
			contact=message.contact.contact,
			party_doctype=message.contact.party_type,
			party_name=message.contact.party,
		)
	after = dataclasses.replace(state, **changes)
	return dataclasses.replace(after, title=_title(after, message))


def resolved(state: ConversationState) -> ConversationState:
	"""Someone resolved the conversation (nothing more to do until the customer writes again)."""
	return dataclasses.replace(state, status=ConversationStatus.RESOLVED)


def reopened(state: ConversationState) -> ConversationState:
	return dataclasses.replace(state, status=ConversationStatus.OPEN)


def read(state: ConversationState) -> ConversationState:
	"""Someone opened the conversation: its customer's messages are read."""
	return dataclasses.replace(state, unread_count=0)


def needs_assignment(before: ConversationState | None, after: ConversationState) -> bool:
	"""A conversation is assigned when its customer first writes and nobody has it yet."""
	first_inbound = after.last_inbound_at is not None and (before is None or before.last_inbound_at is None)
	return first_inbound and not after.assigned_to


def choose_assignee(
	rule: str,
	*,
	contact_owner: str | None,
	eligible: Sequence[str],
	rotation: Sequence[str],
	last_assigned: str | None,
) -> str | None:
	"""Who gets a new conversation under `rule`: nobody; the linked Contact's owner when they may
	work on conversations (`eligible`); or the user after `last_assigned` in `rotation` (sorted,
	wrapping around; the first when the last one left the rotation)."""
	if rule == AssignmentRule.CONTACT_OWNER:
		return contact_owner if contact_owner and contact_owner in eligible else None
	if rule == AssignmentRule.ROUND_ROBIN and rotation:
		ordered = sorted(rotation)
		if last_assigned in ordered:
			return ordered[(ordered.index(last_assigned) + 1) % len(ordered)]
		return ordered[0]
	return None


def _new(message: MessageSeen) -> ConversationState:
	return ConversationState(
		device=message.device,
		conversation_key=conversation_key(message.device, message.number, message.bsuid),
		contact_number=message.number,
		bsuid=message.bsuid,
	)


def _title(state: ConversationState, message: MessageSeen) -> str:
	"""The Contact's name, else the customer's WhatsApp profile name, else their number."""
	if state.contact:
		return state.contact
	customer = state.contact_number or state.bsuid or ""
	if message.profile_name and message.direction == Direction.INBOUND:
		# The customer chooses their profile name: no markup characters in a title shown as a label.
		return message.profile_name.translate(_NO_MARKUP).strip() or customer
	return state.title or customer
