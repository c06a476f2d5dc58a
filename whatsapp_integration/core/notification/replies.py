"""Replies that do something: which WhatsApp Reply Actions an inbound message triggers, and what
a Set Field action may write.

- Keyword (exact): the message's text, trimmed, equals the keyword (case-insensitive).
- Keyword (contains): the keyword appears in the text as a whole word or phrase
  (case-insensitive): `stop` matches "please STOP now", not "unstoppable".
- Button Payload: the payload (or list row id) of the button the customer tapped equals the
  action's value exactly; when a button has no payload, its title is compared like a keyword.
Every matching action runs, in the order of the actions' priority (then name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import ReplyTrigger

# Fields a reply may never write (identity, workflow state, audit columns).
PROTECTED_FIELDS = frozenset(
	{"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "parent", "parenttype"}
)


@dataclass(frozen=True)
class ReplyRule:
	name: str
	trigger: str
	value: str
	reference_doctype: str | None = None  # only replies to messages about this DocType
	priority: int = 0


@dataclass(frozen=True)
class InboundReply:
	text: str | None
	reply_id: str | None = None  # the tapped button's payload / the list row's id
	reply_title: str | None = None  # the tapped button's title
	reference_doctype: str | None = None  # of the outbound message replied to


def matches(rule: ReplyRule, reply: InboundReply) -> bool:
	value = (rule.value or "").strip()
	if not value:
		return False
	if rule.reference_doctype and rule.reference_doctype != reply.reference_doctype:
		return False
	if rule.trigger == ReplyTrigger.BUTTON:
		if reply.reply_id:
			return reply.reply_id == value
		return _exact(reply.reply_title, value)
	text = reply.text if reply.text is not None else reply.reply_title
	if rule.trigger == ReplyTrigger.KEYWORD_EXACT:
		return _exact(text, value)
	if rule.trigger == ReplyTrigger.KEYWORD_CONTAINS:
		return _contains(text, value)
	return False


def matching(rules: Iterable[ReplyRule], reply: InboundReply) -> list[ReplyRule]:
	"""The rules `reply` triggers, by priority (highest first), then name."""
	found = [rule for rule in rules if matches(rule, reply)]
	return sorted(found, key=lambda rule: (-rule.priority, rule.name))


def _exact(text: str | None, keyword: str) -> bool:
	return (text or "").strip().casefold() == keyword.casefold()


def _contains(text: str | None, keyword: str) -> bool:
	pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, keyword.split())) + r"(?!\w)"
	return re.search(pattern, text or "", re.IGNORECASE) is not None


def check_settable_field(fieldname: str, fieldnames: Iterable[str]) -> str:
	"""The field a Set Field action writes must be a field of the DocType and not a system one."""
	if not fieldname or fieldname in PROTECTED_FIELDS:
		raise InvalidMessage(
			_("A reply cannot set {field!r}; choose a field of the document.").format(field=fieldname)
		)
	if fieldname not in set(fieldnames):
		raise InvalidMessage(
			_("{field!r} is not a field of the document type; choose one of its fields.").format(
				field=fieldname
			)
		)

	return fieldname
