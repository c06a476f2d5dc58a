"""The data the campaign service needs, as a small typed interface.

`whatsapp_integration.repositories.campaigns.FrappeCampaignRepository` implements it on the
site's database; `MemoryCampaignRepository` (testing.memory_campaign_repository) in memory.
The records they exchange live in `core.campaign.records`.
The contract both keep: `claim` is a conditional update (a row is leased by one owner at a
time; an expired lease may be taken over), and progress is always counted from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from whatsapp_integration.core.campaign.records import (
	CampaignRecord,
	NewRecipient,
	RecipientOutcome,
	RecipientRow,
)
from whatsapp_integration.senders.factory import DeviceProfile


class CampaignRepository(Protocol):
	def get_campaign(self, name: str) -> CampaignRecord: ...

	def campaigns_with_status(
		self, statuses: Iterable[str], device: str | None = None
	) -> list[CampaignRecord]:
		"""Campaigns in `statuses`; with `device`, those sending through it (as their device or
		one of their devices)."""
		...

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
		self,
		campaign: str,
		owner: str,
		now: datetime,
		lease_until: datetime,
		limit: int,
		device: str | None = None,
	) -> list[RecipientRow]:
		"""Lease up to `limit` due rows (Pending and due, or Sending with an expired lease) to
		`owner`, oldest first; with `device`, only the rows routed to it. Two owners never get
		the same row."""
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


class DeviceLedger(Protocol):
	"""Device profiles, their sends today and the opt-out list, as campaigns need them (the
	message repository provides them)."""

	def get_device(self, name: str | None) -> DeviceProfile: ...

	def count_outbound_since(self, device: str, since: datetime) -> int:
		"""Outbound messages of `device` created since `since` that did not fail."""
		...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...
