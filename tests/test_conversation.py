"""Conversation upsert and assignment rules (core/conversation.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.conversation import (
	PREVIEW_LENGTH,
	ConversationState,
	MessageSeen,
	apply_message,
	choose_assignee,
	conversation_key,
	needs_assignment,
	preview_of,
	seen_inbound,
	seen_outbound,
)
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import AssignmentRule, ConversationStatus, Direction
from whatsapp_integration.core.webhook_records import ContactLink, InboundRecord

AT = datetime(2026, 3, 1, 10, 0)
NUMBER = "+14155550123"


def inbound(at: datetime = AT, **fields: object) -> MessageSeen:
	values = {
		"device": "Main",
		"direction": Direction.INBOUND,
		"at": at,
		"preview": "Hello",
		"number": NUMBER,
	}
	return MessageSeen(**{**values, **fields})  # type: ignore[arg-type]


def outbound(at: datetime = AT, **fields: object) -> MessageSeen:
	return inbound(at, direction=Direction.OUTBOUND, preview="Your order shipped", **fields)


class TestUpsert:
	def test_the_first_inbound_message_creates_an_open_unread_conversation(self) -> None:
		state = apply_message(None, inbound(profile_name="Ana"))
		assert (state.device, state.conversation_key, state.contact_number) == (
			"Main",
			f"Main|{NUMBER}",
			NUMBER,
		)
		assert (state.status, state.unread_count, state.last_inbound_at) == (ConversationStatus.OPEN, 1, AT)
		assert (state.last_message_at, state.last_message_preview, state.last_direction) == (
			AT,
			"Hello",
			Direction.INBOUND,
		)
		assert state.title == "Ana"

	def test_the_first_outbound_message_creates_a_conversation_nobody_wrote_in(self) -> None:
		state = apply_message(None, outbound())
		assert (state.unread_count, state.last_inbound_at, state.last_direction) == (
			0,
			None,
			Direction.OUTBOUND,
		)
		assert state.title == NUMBER

	def test_each_inbound_message_adds_one_unread_and_moves_the_last_inbound_time(self) -> None:
		state = apply_message(None, inbound())
		state = apply_message(state, inbound(AT + timedelta(minutes=5), preview="Are you there?"))
		assert (state.unread_count, state.last_inbound_at, state.last_message_preview) == (
			2,
			AT + timedelta(minutes=5),
			"Are you there?",
		)

	def test_an_outbound_message_keeps_the_unread_count_and_the_last_inbound_time(self) -> None:
		state = apply_message(apply_message(None, inbound()), outbound(AT + timedelta(minutes=1)))
		assert (state.unread_count, state.last_inbound_at, state.last_direction) == (
			1,
			AT,
			Direction.OUTBOUND,
		)

	def test_a_new_inbound_message_reopens_a_resolved_conversation(self) -> None:
		resolved = ConversationState("Main", f"Main|{NUMBER}", NUMBER, status=ConversationStatus.RESOLVED)
		assert apply_message(resolved, outbound()).status == ConversationStatus.RESOLVED
		assert apply_message(resolved, inbound()).status == ConversationStatus.OPEN

	def test_a_late_older_message_does_not_replace_the_preview(self) -> None:
		state = apply_message(None, inbound(AT + timedelta(hours=1), preview="newest"))
		state = apply_message(state, inbound(AT, preview="older"))
		assert (state.last_message_preview, state.last_message_at) == ("newest", AT + timedelta(hours=1))
		assert state.last_inbound_at == AT + timedelta(hours=1) and state.unread_count == 2

	def test_a_contact_found_later_is_linked_with_its_party_and_names_the_conversation(self) -> None:
		state = apply_message(None, inbound(profile_name="Ana"))
		state = apply_message(state, inbound(contact=ContactLink("Ana Lima", "Customer", "CUST-0001")))
		assert (state.contact, state.party_doctype, state.party_name, state.title) == (
			"Ana Lima",
			"Customer",
			"CUST-0001",
			"Ana Lima",
		)

	def test_a_bsuid_only_customer_is_keyed_by_the_bsuid_and_keeps_it_when_the_number_appears(self) -> None:
		state = apply_message(None, inbound(number=None, bsuid="US.13491208655302741918"))
		assert state.conversation_key == "Main|US.13491208655302741918" and state.contact_number is None
		state = apply_message(state, inbound(bsuid="US.13491208655302741918"))
		assert state.conversation_key == "Main|US.13491208655302741918"
		assert (state.contact_number, state.bsuid) == (NUMBER, "US.13491208655302741918")

	def test_a_conversation_needs_a_number_or_a_bsuid(self) -> None:
		with pytest.raises(ValueError, match="number or BSUID"):
			conversation_key("Main", None, None)

	def test_previews_are_one_short_line(self) -> None:
		assert preview_of("text", "Hi\n\nthere  you") == "Hi there you"
		assert preview_of("image", caption="Invoice") == "[image] Invoice"
		assert preview_of("document", filename="a.pdf") == "[document] a.pdf"
		assert preview_of("template", template_name="order_update") == "[template] order_update"
		long = preview_of("text", "x" * 500)
		assert len(long) == PREVIEW_LENGTH and long.endswith("…")


class TestAssignment:
	def test_only_the_first_inbound_message_of_an_unassigned_conversation_needs_assignment(self) -> None:
		first = apply_message(None, inbound())
		assert needs_assignment(None, first)
		assert not needs_assignment(first, apply_message(first, inbound()))
		started = apply_message(None, outbound())
		assert not needs_assignment(None, started)
		assert needs_assignment(started, apply_message(started, inbound()))
		taken = ConversationState("Main", "k", NUMBER, assigned_to="ana@example.com")
		assert not needs_assignment(taken, apply_message(taken, inbound()))

	def test_rule_none_assigns_nobody(self) -> None:
		assert (
			choose_assignee(
				AssignmentRule.NONE,
				contact_owner="a@x.com",
				eligible=["a@x.com"],
				rotation=["a@x.com"],
				last_assigned=None,
			)
			is None
		)

	def test_contact_owner_when_they_may_work_on_conversations(self) -> None:
		rule = AssignmentRule.CONTACT_OWNER
		kwargs = {"eligible": ["ana@x.com"], "rotation": ["ana@x.com", "bo@x.com"], "last_assigned": None}
		assert choose_assignee(rule, contact_owner="ana@x.com", **kwargs) == "ana@x.com"
		assert choose_assignee(rule, contact_owner="Administrator", **kwargs) is None
		assert choose_assignee(rule, contact_owner=None, **kwargs) is None

	def test_round_robin_takes_the_next_user_in_turn_and_wraps(self) -> None:
		rotation = ["cy@x.com", "ana@x.com", "bo@x.com"]
		picks, last = [], None
		for _ in range(4):
			last = choose_assignee(
				AssignmentRule.ROUND_ROBIN,
				contact_owner=None,
				eligible=[],
				rotation=rotation,
				last_assigned=last,
			)
			picks.append(last)
		assert picks == ["ana@x.com", "bo@x.com", "cy@x.com", "ana@x.com"]

	def test_round_robin_starts_over_when_the_last_assignee_left_and_needs_someone(self) -> None:
		rule = AssignmentRule.ROUND_ROBIN
		assert (
			choose_assignee(
				rule, contact_owner=None, eligible=[], rotation=["bo@x.com"], last_assigned="gone@x.com"
			)
			== "bo@x.com"
		)
		assert choose_assignee(rule, contact_owner=None, eligible=[], rotation=[], last_assigned=None) is None


class TestSeen:
	def test_an_inbound_row_tells_its_customer_contact_and_preview(self) -> None:
		record = InboundRecord(
			wamid="wamid.1",
			device="Main",
			message_type="image",
			received_at=AT,
			from_number=NUMBER,
			from_user_id="US.1",
			profile_name="Ana",
			media_caption="My receipt",
			contact=ContactLink("Ana Lima"),
		)
		seen = seen_inbound(record)
		assert (seen.direction, seen.at, seen.number, seen.bsuid) == (Direction.INBOUND, AT, NUMBER, "US.1")
		assert (seen.preview, seen.profile_name, seen.contact) == (
			"[image] My receipt",
			"Ana",
			ContactLink("Ana Lima"),
		)

	def test_an_outbound_template_row_is_previewed_by_its_template(self) -> None:
		record = MessageRecord(
			device="Main", to_number=NUMBER, message_type="template", template_name="order_update"
		)
		seen = seen_outbound(record, AT)
		assert (seen.direction, seen.number, seen.preview) == (
			Direction.OUTBOUND,
			NUMBER,
			"[template] order_update",
		)


def test_the_assignment_setting_is_checked() -> None:
	assert WhatsAppConfig.from_mapping(
		{"conversation_assignment": "Round Robin"}
	).conversation_assignment == (AssignmentRule.ROUND_ROBIN)
	assert WhatsAppConfig().conversation_assignment == AssignmentRule.NONE
	with pytest.raises(
		ConfigurationError, match="Conversation assignment must be one of None, Contact Owner"
	):
		WhatsAppConfig(conversation_assignment="Everybody")
