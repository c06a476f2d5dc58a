"""An in-memory CampaignRepository: thread-safe, for framework-free tests and benchmarks.

Message Log rows go into the `MemoryRepository` it is given, so the message service, the
daily cap and the idempotency check all see campaign sends.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from whatsapp_integration.core.campaign.planning import shown_state
from whatsapp_integration.core.campaign.records import (
	CampaignRecord,
	NewRecipient,
	RecipientOutcome,
	RecipientRow,
	duplicate_wamid_reason,
)
from whatsapp_integration.core.errors import DuplicateKey
from whatsapp_integration.core.vocabulary import RecipientState
from whatsapp_integration.testing.memory_repository import MemoryRepository


class MemoryCampaignRepository:
	def __init__(self, messages: MemoryRepository) -> None:
		self.messages = messages
		self._lock = threading.RLock()
		self._campaigns: dict[str, CampaignRecord] = {}
		self._rows: dict[str, RecipientRow] = {}
		self._cooldowns: dict[str, datetime] = {}
		self._counter = itertools.count(1)

	def insert_campaign(self, campaign: CampaignRecord) -> CampaignRecord:
		with self._lock:
			self._campaigns[campaign.name] = dataclasses.replace(campaign)
			return dataclasses.replace(campaign)

	def get_campaign(self, name: str) -> CampaignRecord:
		with self._lock:
			if name not in self._campaigns:
				raise LookupError(f"WhatsApp Campaign {name!r} does not exist.")
			return dataclasses.replace(self._campaigns[name])

	def campaigns_with_status(
		self, statuses: Iterable[str], device: str | None = None
	) -> list[CampaignRecord]:
		wanted = set(statuses)
		with self._lock:
			return [
				dataclasses.replace(campaign)
				for campaign in self._campaigns.values()
				if campaign.status in wanted
				and (device is None or device in (campaign.device, *campaign.devices))
			]

	def update_campaign(self, name: str, expected: Iterable[str], **values: Any) -> bool:
		with self._lock:
			campaign = self._campaigns[name]
			if campaign.status not in set(expected):
				return False
			for key, value in values.items():
				setattr(campaign, key, value)
			return True

	def add_recipients(self, campaign: str, rows: list[NewRecipient]) -> int:
		with self._lock:
			for new in rows:
				name = f"WACR-{next(self._counter):07d}"
				self._rows[name] = RecipientRow(
					name=name,
					campaign=campaign,
					number=new.number,
					recipient_name=new.recipient_name,
					reference_doctype=new.reference_doctype,
					reference_name=new.reference_name,
					context=dict(new.context),
					state=new.state,
					skip_reason=new.skip_reason,
				)
			return len(rows)

	def recipients(self, campaign: str) -> list[RecipientRow]:
		with self._lock:
			return [dataclasses.replace(row) for row in self._campaign_rows(campaign)]

	def reset_for_run(self, campaign: str, run: int, skipped: Mapping[str, str]) -> None:
		with self._lock:
			for row in self._campaign_rows(campaign):
				reason = skipped.get(row.name)
				row.attempts = 0
				row.next_attempt_at = row.lease_owner = row.lease_until = row.last_error = None
				row.error_code = row.wamid = row.message_log = row.last_attempt_at = row.device = None
				row.state, row.skip_reason, row.run = (
					(RecipientState.SKIPPED if reason else RecipientState.PENDING),
					reason,
					run,
				)

	def claim(
		self,
		campaign: str,
		owner: str,
		now: datetime,
		lease_until: datetime,
		limit: int,
		device: str | None = None,
	) -> list[RecipientRow]:
		with self._lock:
			claimed = []
			for row in self._campaign_rows(campaign):
				if len(claimed) >= limit:
					break
				if _claimable(row, now) and (device is None or row.device == device):
					row.state, row.lease_owner, row.lease_until = RecipientState.SENDING, owner, lease_until
					claimed.append(dataclasses.replace(row))
			return claimed

	def save_outcomes(self, owner: str, outcomes: list[RecipientOutcome]) -> None:
		with self._lock:
			for outcome in outcomes:
				row = self._rows[outcome.name]
				if row.lease_owner != owner:
					continue
				log_name, note = self._insert_log(outcome)
				_apply(row, outcome, log_name)
				row.last_error = note or row.last_error

	def release(self, owner: str, names: Iterable[str]) -> None:
		with self._lock:
			for name in names:
				row = self._rows[name]
				if row.lease_owner == owner and row.state == RecipientState.SENDING:
					row.state, row.lease_owner, row.lease_until = RecipientState.PENDING, None, None

	def renew_lease(self, owner: str, names: Iterable[str], lease_until: datetime) -> int:
		with self._lock:
			held = [row for row in (self._rows[name] for name in names) if row.lease_owner == owner]
			for row in held:
				row.lease_until = lease_until
			return len(held)

	def campaign_status(self, name: str) -> str:
		return self.get_campaign(name).status

	def opted_out(self, numbers: Iterable[str]) -> set[str]:
		return {number for number in numbers if self.messages.is_opted_out(number)}

	def logged_sends(self, keys: Iterable[str]) -> dict[str, str]:
		found = {}
		for key in keys:
			record = self.messages.find_by_idempotency_key(key)
			if record and record.wamid:
				found[key] = record.wamid
		return found

	def next_due(self, campaign: str) -> datetime | None:
		with self._lock:
			waiting = [
				r.next_attempt_at
				for r in self._campaign_rows(campaign)
				if r.state == RecipientState.PENDING and r.next_attempt_at
			]
			return min(waiting, default=None)

	def progress(self, campaign: str) -> dict[str, int]:
		with self._lock:
			return dict(Counter(self.shown_state(row) for row in self._campaign_rows(campaign)))

	def shown_state(self, row: RecipientRow) -> str:
		if not row.message_log:
			return row.state
		return shown_state(row.state, self.messages.get_message(row.message_log).status)

	def recent_failures(self, campaign: str, limit: int) -> list[bool]:
		with self._lock:
			attempted = [row for row in self._campaign_rows(campaign) if row.last_attempt_at]
			attempted.sort(key=lambda row: row.last_attempt_at, reverse=True)
			return [_last_attempt_failed(row) for row in attempted[:limit]]

	def mark_recipient(self, name: str, campaign: str, run: int, **values: Any) -> bool:
		"""What a late report (a webhook) changes on a recipient row, of `state`, `at` (its last
		attempt), `error` and `code`; False when no row of that campaign and run has `name`."""
		fields = {"state": "state", "at": "last_attempt_at", "error": "last_error", "code": "error_code"}
		with self._lock:
			row = self._rows.get(name)
			if row is None or (row.campaign, row.run) != (campaign, run):
				return False
			for key, value in values.items():
				setattr(row, fields[key], value)
			return True

	@contextmanager
	def locked_rows(self, campaign: str | None = None) -> Iterator[list[RecipientRow]]:
		"""The stored rows themselves (of `campaign`, else all) under the lock, for the in-memory
		stores that share them (testing.memory_campaign_routing)."""
		with self._lock:
			yield self._campaign_rows(campaign) if campaign else list(self._rows.values())

	def set_device_cooldown(self, device: str, until: datetime) -> None:
		with self._lock:
			self._cooldowns[device] = max(until, self._cooldowns.get(device, until))

	def device_cooldown(self, device: str) -> datetime | None:
		with self._lock:
			return self._cooldowns.get(device)

	def _campaign_rows(self, campaign: str) -> list[RecipientRow]:
		return [row for row in self._rows.values() if row.campaign == campaign]

	def _insert_log(self, outcome: RecipientOutcome) -> tuple[str | None, str | None]:
		"""(the log row's name, a note on the row) for an outcome's Message Log row."""
		if outcome.log is None:
			return None, None
		try:
			return self.messages.insert_message(outcome.log).name, None
		except DuplicateKey:
			existing = self.messages.find_by_idempotency_key(outcome.log.idempotency_key or "")
			if existing or not outcome.log.wamid:
				return (existing.name if existing else None), None
		note = duplicate_wamid_reason(outcome.log.wamid)
		kept = dataclasses.replace(outcome.log, wamid=None, error_reason=note)
		return self.messages.insert_message(kept).name, note


def _claimable(row: RecipientRow, now: datetime) -> bool:
	if row.state == RecipientState.PENDING:
		return row.next_attempt_at is None or row.next_attempt_at <= now
	return row.state == RecipientState.SENDING and row.lease_until is not None and row.lease_until <= now


def _apply(row: RecipientRow, outcome: RecipientOutcome, log_name: str | None) -> None:
	row.state, row.attempts = outcome.state, outcome.attempts
	row.next_attempt_at, row.skip_reason = outcome.next_attempt_at, outcome.skip_reason
	row.lease_owner = row.lease_until = None
	row.wamid = outcome.wamid or row.wamid
	row.message_log = log_name or row.message_log
	if outcome.attempted:
		row.last_attempt_at, row.last_error, row.error_code = (
			outcome.at,
			outcome.last_error,
			outcome.error_code,
		)
	elif outcome.last_error:
		row.last_error = outcome.last_error


def _last_attempt_failed(row: RecipientRow) -> bool:
	return row.state == RecipientState.FAILED or (
		row.state in (RecipientState.PENDING, RecipientState.SENDING) and bool(row.last_error)
	)
