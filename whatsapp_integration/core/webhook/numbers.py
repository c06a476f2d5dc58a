"""Meta's webhooks about a business phone number's health: `phone_number_quality_update`
(messaging limit changes, flagged/unflagged quality) and `account_update` (violations,
restrictions, bans of the WhatsApp Business Account or one of its numbers).

Neither names the phone number id: a quality update names the number as displayed
(`display_phone_number`), an account update names it (`phone_number`) or only its account
(the entry's id, the WABA id), which then concerns every number of that account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from whatsapp_integration.core.webhook.values import as_dict, as_list, as_text, dicts

QUALITY_FIELD = "phone_number_quality_update"
ACCOUNT_FIELD = "account_update"
FIELDS = (QUALITY_FIELD, ACCOUNT_FIELD)


@dataclass(frozen=True)
class NumberUpdate:
	"""One change Meta reported on a number's quality, messaging limit or account."""

	QUALITY: ClassVar[str] = QUALITY_FIELD
	ACCOUNT: ClassVar[str] = ACCOUNT_FIELD

	field: str
	event: str
	waba_id: str | None = None
	phone_number: str | None = None  # digits, as Meta writes it; None: every number of the account
	current_limit: str | None = None
	old_limit: str | None = None
	quality_rating: str | None = None
	ban_state: str | None = None
	details: str | None = None  # violation type, restrictions: what Meta says about an account event


def read_number_update(field: str, value: dict[str, Any], waba_id: str | None) -> NumberUpdate | None:
	"""The update in one change's `value`; None when it names no event."""
	event = (as_text(value.get("event")) or "").upper()
	if not event:
		return None
	if field == QUALITY_FIELD:
		return NumberUpdate(
			field,
			event,
			waba_id,
			_digits(value.get("display_phone_number")),
			current_limit=as_text(value.get("current_limit"))
			or as_text(value.get("max_daily_conversations_per_business")),
			old_limit=as_text(value.get("old_limit")),
			quality_rating=as_text(value.get("quality_rating")),
		)
	return NumberUpdate(
		field,
		event,
		waba_id,
		_digits(value.get("phone_number")),
		ban_state=_ban_state(as_dict(value.get("ban_info")).get("waba_ban_state")),
		details=_account_details(value),
	)


def _digits(value: Any) -> str | None:
	text = as_text(value)
	digits = "".join(character for character in text or "" if character.isdigit())
	return digits or None


def _ban_state(value: Any) -> str | None:
	"""`ban_info.waba_ban_state` (Meta has sent both a string and a list of them)."""
	states = [as_text(item) for item in as_list(value)] if isinstance(value, list) else [as_text(value)]
	return next((state.upper() for state in states if state), None)


def _account_details(value: dict[str, Any]) -> str | None:
	parts = [as_text(as_dict(value.get("violation_info")).get("violation_type"))]
	for restriction in dicts(value.get("restriction_info")):
		kind, until = as_text(restriction.get("restriction_type")), as_text(restriction.get("expiration"))
		parts.append(f"{kind} until {until}" if kind and until else kind)
	return "; ".join(part for part in parts if part) or None
