"""The data the campaign service needs, as a small typed interface.

`whatsapp_integration.repositories.campaigns.FrappeCampaignRepository` implements it on the
site's database; `MemoryCampaignRepository` (services.memory_campaign_repository) in memory.
The contract both keep: `claim` is a conditional update (a row is leased by one owner at a
time; an expired lease may be taken over), and progress is always counted from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from whatsapp_integration.core.campaign.planning import PENDING
from whatsapp_integration.core.campaign.policy import DRAFT
from whatsapp_integration.core.campaign.schedule import NONE
from whatsapp_integration.core.records import MessageRecord


@dataclass
class CampaignRecord:
	"""One WhatsApp Campaign. `template_params` are Jinja expressions, one per {{n}}."""

	name: str
	device: str | None = None
	status: str = DRAFT
	message_type: str = "text"
	text: str | None = None
	template_name: str | None = None
	template_language: str | None = None
	template_params: tuple[str, ...] = ()
	template_parameter_count: int | None = None
	media_link: str | None = None
	scheduled_start: datetime | None = None
	recurrence: str = NONE
	repeat_until: date | None = None
	run: int = 0
	next_run_at: datetime | None = None
	throughput_cap: float = 0.0
	auto_pause_failure_rate: float = 0.0
	status_reason: str | None = None
	owner: str | None = None


@dataclass
class RecipientRow:
	"""One recipient of a campaign; `number` is E.164 once planned (as typed if invalid)."""

	name: str
	campaign: str
	number: str
	recipient_name: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	context: dict[str, Any] = field(default_factory=dict)
	state: str = PENDING
	skip_reason: str | None = None
	attempts: int = 0
	next_attempt_at: datetime | None = None
	lease_owner: str | None = None
	lease_until: datetime | None = None
	last_attempt_at: datetime | None = None
	last_error: str | None = None
	error_code: int | None = None
	wamid: str | None = None
	message_log: str | None = None
	run: int = 0


@dataclass(frozen=True)
class NewRecipient:
	number: str
	recipient_name: str | None = None
	reference_doctype: str | None = None
	reference_name: str | None = None
	context: Mapping[str, Any] = field(default_factory=dict)
	state: str = PENDING
	skip_reason: str | None = None


@dataclass(frozen=True)
class RecipientOutcome:
	"""What one attempt (or the lack of one) changed on a recipient row.

	`log` is the Message Log row to store with it (final outcomes only); the repository
	links the recipient to it. `attempted` False (nothing was sent) keeps the row's last
	attempt; a `last_error` is stored all the same (why the row waits)."""

	name: str
	state: str
	attempts: int
	at: datetime
	next_attempt_at: datetime | None = None
	last_error: str | None = None
	error_code: int | None = None
	wamid: str | None = None
	skip_reason: str | None = None
	log: MessageRecord | None = None
	attempted: bool = True


def duplicate_wamid_reason(wamid: str) -> str:
	"""Why a sent message's log row has no wamid: WhatsApp returned one already logged."""
	return (
		f"WhatsApp accepted this message but returned message id {wamid}, which another Message Log "
		"row already has; this row is kept without it, so its delivery statuses cannot be tracked."
	)


class CampaignRepository(Protocol):
	def get_campaign(self, name: str) -> CampaignRecord: ...

	def campaigns_with_status(
		self, statuses: Iterable[str], device: str | None = None
	) -> list[CampaignRecord]: ...

	def update_campaign(self, name: str, expected: Iterable[str], **values: Any) -> bool:
		"""Set `values` only if the campaign's status is one of `expected`; True if it was."""
		...

	def add_recipients(self, campaign: str, rows: list[NewRecipient]) -> int: ...

	def recipients(self, campaign: str) -> list[RecipientRow]: ...

	def reset_for_run(self, campaign: str, run: int, skipped: Mapping[str, str]) -> None:
		"""Every row becomes Pending for run `run` (attempts and errors cleared), except the
		rows in `skipped`, which become Skipped with the given reason."""
		...

	def claim(
		self, campaign: str, owner: str, now: datetime, lease_until: datetime, limit: int
	) -> list[RecipientRow]:
		"""Lease up to `limit` due rows (Pending and due, or Sending with an expired lease) to
		`owner`, oldest first. Two owners never get the same row."""
		...

	def save_outcomes(self, owner: str, outcomes: list[RecipientOutcome]) -> None:
		"""Store outcomes (and their Message Log rows) in bulk, for rows `owner` still leases.
		A log row whose wamid is already logged (WhatsApp returned one twice) is stored without
		it, and it and its recipient row say why; a row that cannot be stored at all leaves
		the recipient with the reason. The other rows of the batch are stored as usual."""
		...

	def release(self, owner: str, names: Iterable[str]) -> None:
		"""Give leased rows back unsent (Pending, due now)."""
		...

	def renew_lease(self, owner: str, names: Iterable[str], lease_until: datetime) -> int:
		"""Extend the lease of the rows `owner` still leases (a batch that runs long keeps them);
		returns how many it still leases."""
		...

	def campaign_status(self, name: str) -> str:
		"""The campaign's status as last committed (cheap: read between sends)."""
		...

	def opted_out(self, numbers: Iterable[str]) -> set[str]:
		"""The numbers among `numbers` that are on the opt-out list (one query for many)."""
		...

	def logged_sends(self, keys: Iterable[str]) -> dict[str, str]:
		"""Message Log wamids of the idempotency keys that were sent."""
		...

	def next_due(self, campaign: str) -> datetime | None:
		"""The earliest next attempt of the campaign's Pending rows that wait for one."""
		...

	def progress(self, campaign: str) -> dict[str, int]:
		"""Rows per state, counted from the rows; a Sent row counts as Delivered, Read or Failed
		once its Message Log row says so (webhook statuses update the log, not the row)."""
		...

	def recent_failures(self, campaign: str, limit: int) -> list[bool]:
		"""Whether each of the last `limit` attempted rows (newest first) failed its last attempt."""
		...

	def set_device_cooldown(self, device: str, until: datetime) -> None: ...

	def device_cooldown(self, device: str) -> datetime | None: ...
