"""Which document events fire which rules, and when a value counts as changed.

A document's hook methods map to rule events like Frappe's own Notification does: `after_insert`
is New, `on_update` is Save (also after an insert and a submit), `on_submit` Submit, `on_cancel`
Cancel, `on_change` a Value Change of the rule's field (never on insert); a Method rule fires on
the hook method it names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from whatsapp_integration.core.vocabulary import NotificationEvent

HOOK_EVENTS: Mapping[str, NotificationEvent] = {
	"after_insert": NotificationEvent.NEW,
	"on_update": NotificationEvent.SAVE,
	"on_submit": NotificationEvent.SUBMIT,
	"on_cancel": NotificationEvent.CANCEL,
}
VALUE_CHANGE_HOOK = "on_change"
# Hook methods besides those above that Method rules are wired to in hooks.py; other methods
# fire through `site.notifications.notify_method(doc, method)`.
METHOD_HOOKS = ("on_update_after_submit", "on_payment_authorized")
DOCUMENT_HOOKS = (*HOOK_EVENTS, VALUE_CHANGE_HOOK, *METHOD_HOOKS)
"""The hook methods hooks.py wires for every DocType ("*")."""
KEY_PREFIX = "notification"
KEY_HASH_LENGTH = 32


@dataclass(frozen=True)
class Trigger:
	"""What the save path needs of one enabled rule (cached per DocType)."""

	rule: str
	event: str
	value_field: str | None = None
	method: str | None = None


def fired(
	triggers: Iterable[Trigger], hook: str, *, is_insert: bool, changed: Callable[[str], bool]
) -> list[Trigger]:
	"""The triggers `hook` fires on a document (`changed(field)`: did the save change it)."""
	return [trigger for trigger in triggers if _fires(trigger, hook, is_insert, changed)]


def _fires(trigger: Trigger, hook: str, is_insert: bool, changed: Callable[[str], bool]) -> bool:
	if trigger.event == NotificationEvent.METHOD:
		return bool(trigger.method) and hook == trigger.method
	if trigger.event == NotificationEvent.VALUE_CHANGE:
		return (
			hook == VALUE_CHANGE_HOOK
			and not is_insert
			and bool(trigger.value_field)
			and changed(trigger.value_field or "")
		)
	return HOOK_EVENTS.get(hook) == trigger.event


def value_changed(before: Any, after: Any) -> bool:
	"""True when a field's value differs after a save. Empty values are equal (None, "", and
	for numbers 0), numbers compare by value (10 == 10.0 == Decimal("10.00")), dates and times
	by their ISO text (a date read back as a string is the same date)."""
	return _comparable(before) != _comparable(after)


def _comparable(value: Any) -> Any:
	if value is None or value == "":
		return None
	if isinstance(value, bool):
		return int(value)
	if isinstance(value, int | float | Decimal):
		return None if value == 0 else float(value)
	if isinstance(value, datetime | date | time):
		return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
	if isinstance(value, timedelta):
		return value.total_seconds()
	if isinstance(value, str):
		return _number_or_text(value)
	return value


def _number_or_text(text: str) -> Any:
	try:
		number = float(text)
	except ValueError:
		return text.rstrip()
	return None if number == 0 else number


def idempotency_key(rule: str, doctype: str, name: str, occasion: str, number: str) -> str:
	"""The outbox key of one rule's message to `number` for one occasion of one document: the
	event and the document's modified stamp (a document event), or the day (a date rule). A double
	save, a re-run job or a worker restart meets the same key, and the outbox never sends twice.
	`notification:<rule>:<hash>`, so a rule's messages are found by the key's prefix."""
	digest = hashlib.sha256("\x1f".join((rule, doctype, name, occasion, number)).encode()).hexdigest()
	return f"{rule_key_prefix(rule)}{digest[:KEY_HASH_LENGTH]}"


def rule_key_prefix(rule: str) -> str:
	return f"{KEY_PREFIX}:{rule}:"


def event_occasion(event: str, modified: str) -> str:
	"""The occasion of a document event: the event and the modified stamp of the saved version."""
	return f"{event}@{modified}"
