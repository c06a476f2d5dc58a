"""Who a campaign run sends to: normalised, de-duplicated, opted-out numbers set aside.

Planning runs before a campaign starts (and before each recurring run), so invalid and
duplicate numbers are reported to the user before anything is sent, each with its reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.errors import InvalidPhoneNumber
from whatsapp_integration.core.phone import normalize
from whatsapp_integration.core.vocabulary import MessageStatus, RecipientState

# Recipient states (core.vocabulary.RecipientState) by what they mean for a run
OPEN_STATES = (RecipientState.PENDING, RecipientState.SENDING)
SUCCESS_STATES = (RecipientState.SENT, RecipientState.DELIVERED, RecipientState.READ)
# What a Sent recipient shows once its Message Log row hears back from WhatsApp (webhook statuses).
LATER_STATES = (RecipientState.DELIVERED, RecipientState.READ, RecipientState.FAILED)


def shown_state(state: str, log_status: str | None) -> str:
	"""What a recipient shows: a Sent one follows its Message Log row once WhatsApp reports on it
	(Delivered, Read, Failed), and shows Sending while the outbox resends it after a retryable
	failure WhatsApp reported (its log is Queued again), then Sent or what follows."""
	if state != RecipientState.SENT or not log_status:
		return state
	if log_status == MessageStatus.QUEUED:
		return RecipientState.SENDING
	return log_status if log_status in LATER_STATES else state


# CSV import
BOM = "\ufeff"
DELIMITERS = (",", ";", "\t")
MIN_NUMBER_DIGITS = 7  # the shortest numbers WhatsApp reaches, country code included
_NOT_A_WORD = re.compile(r"\W+")

# Why a recipient is skipped (the first word is what reports group by)
SKIP_INVALID = "Invalid number"
SKIP_DUPLICATE = "Duplicate"
SKIP_OPTED_OUT = "Opted out"
SKIP_WINDOW_CLOSED = "Window closed"


@dataclass(frozen=True)
class RecipientInput:
	"""A recipient as picked or imported, before planning; `number` as the user typed it."""

	number: str
	recipient_name: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedRecipient:
	source: RecipientInput
	number: str | None
	state: str
	skip_reason: str | None = None


@dataclass
class Plan:
	recipients: list[PlannedRecipient] = field(default_factory=list)

	@property
	def to_send(self) -> list[PlannedRecipient]:
		return [recipient for recipient in self.recipients if recipient.state == RecipientState.PENDING]

	def count(self, reason_prefix: str) -> int:
		return sum(1 for r in self.recipients if r.skip_reason and r.skip_reason.startswith(reason_prefix))

	def summary(self) -> dict[str, int]:
		return {
			"total": len(self.recipients),
			"to_send": len(self.to_send),
			"invalid": self.count(SKIP_INVALID),
			"duplicate": self.count(SKIP_DUPLICATE),
			"opted_out": self.count(SKIP_OPTED_OUT),
		}


def plan_recipients(
	inputs: Iterable[RecipientInput],
	default_country: str | None,
	is_opted_out: Callable[[str], bool],
) -> Plan:
	"""Normalise every number; keep the first of each, skip the rest with the reason."""
	plan = Plan()
	first_seen: dict[str, str] = {}
	for position, source in enumerate(inputs, start=1):
		plan.recipients.append(_plan_one(source, position, default_country, is_opted_out, first_seen))
	return plan


def _plan_one(
	source: RecipientInput,
	position: int,
	default_country: str | None,
	is_opted_out: Callable[[str], bool],
	first_seen: dict[str, str],
) -> PlannedRecipient:
	try:
		number = normalize(source.number, default_country)
	except InvalidPhoneNumber as error:
		return PlannedRecipient(source, None, RecipientState.SKIPPED, f"{SKIP_INVALID}: {error}")
	label = source.recipient_name or source.reference_name or f"row {position}"
	if number in first_seen:
		skipped = f"{SKIP_DUPLICATE} of {first_seen[number]}"
		return PlannedRecipient(source, number, RecipientState.SKIPPED, skipped)
	first_seen[number] = label
	if is_opted_out(number):
		return PlannedRecipient(
			source,
			number,
			RecipientState.SKIPPED,
			f"{SKIP_OPTED_OUT}: the number is on the WhatsApp Opt Out list",
		)
	return PlannedRecipient(source, number, RecipientState.PENDING)


def parse_csv(text: str) -> list[RecipientInput]:
	"""Recipients from pasted or imported CSV: number first, then name; with a header row, the
	other columns become placeholder values ({{ city }} for a column "City", {{ order_2024 }} for
	"Order 2024"). A byte order mark is dropped; the delimiter is `,`, `;` or tab, whichever the
	first line holds most of (spreadsheets save `;` where the decimal mark is a comma)."""
	text = text.removeprefix(BOM).strip()
	if not text:
		return []
	reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.partition("\n")[0]))
	rows = [row for row in reader if any(cell.strip() for cell in row)]
	if not rows:
		return []
	has_header = _is_header(rows[0][0])
	header = [_placeholder_name(cell) for cell in rows[0]] if has_header else []
	return [_csv_recipient(row, header) for row in (rows[1:] if has_header else rows)]


def _delimiter(line: str) -> str:
	"""The delimiter the line holds most often outside quotes; `,` when it holds none."""
	counts = dict.fromkeys(DELIMITERS, 0)
	quoted = False
	for character in line:
		if character == '"':
			quoted = not quoted
		elif not quoted and character in counts:
			counts[character] += 1
	best = max(DELIMITERS, key=counts.__getitem__)
	return best if counts[best] else ","


def _is_header(cell: str) -> bool:
	"""A column name has letters and fewer digits than any phone number ("phone1", "mobile_no");
	"+91 98765 43210" and a mistyped "555" are numbers."""
	return any(c.isalpha() for c in cell) and sum(c.isdigit() for c in cell) < MIN_NUMBER_DIGITS


def _placeholder_name(cell: str) -> str:
	"""A column name as a placeholder: lowercase, each run of other characters one `_`."""
	return _NOT_A_WORD.sub("_", cell.strip().lower()).strip("_")


def _csv_recipient(row: list[str], header: list[str]) -> RecipientInput:
	cells = [cell.strip() for cell in row]
	name = cells[1] if len(cells) > 1 and cells[1] else None
	context = {key: value for key, value in zip(header[2:], cells[2:], strict=False) if key}
	return RecipientInput(cells[0], name, context=context)
