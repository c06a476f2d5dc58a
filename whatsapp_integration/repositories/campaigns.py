"""`CampaignRepository` on the site's database: WhatsApp Campaign and its recipient rows.

Recipients are a standalone DocType, not a child table: a campaign of 10,000 rows would load
and rewrite all of them with every form load and save (and a save would overwrite the
dispatchers' leases). Standalone rows are claimed with one conditional UPDATE per batch and
settled with one UPDATE each plus bulk inserts of their Message Log rows, in one commit.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import frappe
from frappe.utils import get_datetime, getdate, now_datetime

from whatsapp_integration.core.campaign.planning import shown_state
from whatsapp_integration.core.campaign.records import (
	CampaignRecord,
	NewRecipient,
	RecipientOutcome,
	RecipientRow,
)
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import CampaignStatus, RecipientState
from whatsapp_integration.repositories import opt_outs
from whatsapp_integration.repositories.campaign_devices import devices_of
from whatsapp_integration.repositories.campaign_logs import insert_logs
from whatsapp_integration.repositories.rows import DOC_FIELDS, chunks, doc_values
from whatsapp_integration.repositories.template_catalog import header_format
from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.doctypes import CAMPAIGN, CAMPAIGN_RECIPIENT, MESSAGE_LOG, TEMPLATE

_DEADLOCK_ATTEMPTS = 3
_CAMPAIGN_COLUMNS = frozenset({"status", "status_reason", "run", "next_run_at", "scheduled_start"})
_RECIPIENT_FIELDS = (
	"name",
	"campaign",
	"number",
	"recipient_name",
	"reference_doctype",
	"reference_name",
	"context",
	"state",
	"skip_reason",
	"attempts",
	"next_attempt_at",
	"lease_owner",
	"lease_until",
	"last_attempt_at",
	"last_error",
	"error_code",
	"wamid",
	"message_log",
	"run",
	"device",
)
_CHUNK = 1000


class FrappeCampaignRepository:
	def get_campaign(self, name: str) -> CampaignRecord:
		doc = frappe.db.get_value(CAMPAIGN, name, "*", as_dict=True)
		if not doc:
			raise LookupError(frappe._("WhatsApp Campaign {0} does not exist.").format(repr(name)))
		return campaign_from(doc)

	def campaigns_with_status(
		self, statuses: Iterable[str], device: str | None = None
	) -> list[CampaignRecord]:
		filters: dict[str, Any] = {"status": ("in", list(statuses))}
		campaigns = [campaign_from(row) for row in frappe.get_all(CAMPAIGN, filters=filters, fields=["*"])]
		return [c for c in campaigns if not device or device in (c.device, *c.devices)]

	def update_campaign(self, name: str, expected: Iterable[str], **values: Any) -> bool:
		unknown = set(values) - _CAMPAIGN_COLUMNS
		if unknown:
			raise ValueError(f"Cannot set {', '.join(sorted(unknown))} on a campaign here.")
		expected = list(expected)
		assignments = ", ".join(f"`{column}` = %({column})s" for column in values)
		frappe.db.sql(
			f"""update `tabWhatsApp Campaign` set {assignments}, modified = %(modified)s
			where name = %(name)s and status in %(expected)s""",
			{**values, "modified": now_datetime(), "name": name, "expected": tuple(expected)},
		)
		changed = frappe.db._cursor.rowcount == 1
		frappe.db.commit()  # nosemgrep: a status change must be visible to every worker at once
		return changed

	def add_recipients(self, campaign: str, rows: list[NewRecipient]) -> int:
		fields = (*DOC_FIELDS, "campaign", "number", "recipient_name", "reference_doctype", "reference_name")
		fields += ("context", "state", "skip_reason", "attempts", "run")
		values = [
			(
				*doc_values(),
				campaign,
				row.number,
				row.recipient_name,
				row.reference_doctype,
				row.reference_name,
				json.dumps(dict(row.context), default=str) if row.context else None,
				row.state,
				row.skip_reason,
				0,
				0,
			)
			for row in rows
		]
		frappe.db.bulk_insert(CAMPAIGN_RECIPIENT, fields, values, chunk_size=_CHUNK)
		frappe.db.commit()  # nosemgrep: recipients added from the form are kept even if a later step fails
		return len(values)

	def recipients(self, campaign: str) -> list[RecipientRow]:
		rows = frappe.db.sql(
			f"""select {", ".join(_RECIPIENT_FIELDS)} from `tabWhatsApp Campaign Recipient`
			where campaign = %s order by creation, name""",
			campaign,
			as_dict=True,
		)
		return [_recipient_from(row) for row in rows]

	def reset_for_run(self, campaign: str, run: int, skipped: Mapping[str, str]) -> None:
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient` set state = %s, skip_reason = null, run = %s,
			attempts = 0, next_attempt_at = null, lease_owner = null, lease_until = null,
			last_attempt_at = null, last_error = null, error_code = 0, wamid = null, message_log = null,
			device = null where campaign = %s""",
			(RecipientState.PENDING, run, campaign),
		)
		by_reason: dict[str, list[str]] = defaultdict(list)
		for name, reason in skipped.items():
			by_reason[reason].append(name)
		for reason, names in by_reason.items():
			for chunk in chunks(names, _CHUNK):
				frappe.db.sql(
					"""update `tabWhatsApp Campaign Recipient` set state = %s, skip_reason = %s
					where name in %s""",
					(RecipientState.SKIPPED, reason, tuple(chunk)),
				)
		frappe.db.commit()  # nosemgrep: the planned run must be visible to the dispatchers

	def claim(
		self,
		campaign: str,
		owner: str,
		now: datetime,
		lease_until: datetime,
		limit: int,
		device: str | None = None,
	) -> list[RecipientRow]:
		"""One conditional UPDATE leases the rows (InnoDB re-checks the condition on rows another
		dispatcher just leased), then the leased rows are read back by their owner."""
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient`
			set state = %(sending)s, lease_owner = %(owner)s, lease_until = %(until)s
			where campaign = %(campaign)s and (%(device)s is null or device = %(device)s) and (
				(state = %(pending)s and (next_attempt_at is null or next_attempt_at <= %(now)s))
				or (state = %(sending)s and lease_until <= %(now)s))
			order by creation, name limit %(limit)s""",
			{
				"sending": RecipientState.SENDING,
				"pending": RecipientState.PENDING,
				"owner": owner,
				"until": lease_until,
				"campaign": campaign,
				"now": now,
				"limit": limit,
				"device": device,
			},
		)
		frappe.db.commit()  # nosemgrep: the lease must be visible before anything is sent
		rows = frappe.db.sql(
			f"""select {", ".join(_RECIPIENT_FIELDS)} from `tabWhatsApp Campaign Recipient`
			where campaign = %s and lease_owner = %s and state = %s order by creation, name""",
			(campaign, owner, RecipientState.SENDING),
			as_dict=True,
		)
		return [_recipient_from(row) for row in rows]

	def save_outcomes(self, owner: str, outcomes: list[RecipientOutcome]) -> None:
		"""Store a batch's outcomes and Message Log rows in one transaction. Two dispatchers can
		deadlock here (MariaDB 1213 rolls the whole transaction back), so what came before is
		committed first and the batch is written again, rows always in name order."""
		frappe.db.commit()  # nosemgrep: a deadlock's rollback must undo only this batch's writes
		for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
			try:
				return self._save_outcomes(owner, sorted(outcomes, key=lambda outcome: outcome.name))
			except frappe.QueryDeadlockError:
				frappe.db.rollback()
				if attempt == _DEADLOCK_ATTEMPTS:
					raise

	def _save_outcomes(self, owner: str, outcomes: list[RecipientOutcome]) -> None:
		logs: list[tuple[str, MessageRecord]] = []
		logged = _logged_names([outcome.log.idempotency_key for outcome in outcomes if outcome.log])
		for outcome in outcomes:
			known = logged.get(outcome.log.idempotency_key) if outcome.log else None
			log_name = known or (frappe.generate_hash(length=10) if outcome.log else None)
			if _settle(owner, outcome, log_name) and outcome.log and log_name and not known:
				logs.append((log_name, outcome.log))
		insert_logs(logs)
		frappe.db.commit()  # nosemgrep: one commit per batch: outcomes and their Message Log rows

	def release(self, owner: str, names: Iterable[str]) -> None:
		names = list(names)
		if names:
			frappe.db.sql(
				"""update `tabWhatsApp Campaign Recipient` set state = %s, lease_owner = null, lease_until = null
				where name in %s and lease_owner = %s and state = %s""",
				(RecipientState.PENDING, tuple(names), owner, RecipientState.SENDING),
			)
			frappe.db.commit()  # nosemgrep: released rows go back to the other dispatchers at once

	def renew_lease(self, owner: str, names: Iterable[str], lease_until: datetime) -> int:
		names = list(names)
		if not names:
			return 0
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient` set lease_until = %s
			where name in %s and lease_owner = %s and state = %s""",
			(lease_until, tuple(names), owner, RecipientState.SENDING),
		)
		held = frappe.db._cursor.rowcount
		frappe.db.commit()  # nosemgrep: other dispatchers must see the renewed lease at once
		return held

	def campaign_status(self, name: str) -> str:
		# End the dispatcher's transaction first: under REPEATABLE READ it would keep reading the
		# snapshot of its first read, never a Pause or Cancel committed since.
		frappe.db.commit()  # nosemgrep: a read of the latest committed status (nothing is pending)
		rows = frappe.db.sql("select status from `tabWhatsApp Campaign` where name = %s", name)
		return rows[0][0] if rows else ""

	def opted_out(self, numbers: Iterable[str]) -> set[str]:
		return opt_outs.opted_out(numbers)

	def logged_sends(self, keys: Iterable[str]) -> dict[str, str]:
		keys = list(keys)
		if not keys:
			return {}
		rows = frappe.db.sql(
			"""select idempotency_key, wamid from `tabWhatsApp Message Log`
			where idempotency_key in %s and wamid is not null and wamid != ''""",
			(tuple(keys),),
		)
		return dict(rows)

	def next_due(self, campaign: str) -> datetime | None:
		value = frappe.db.sql(
			"""select min(next_attempt_at) from `tabWhatsApp Campaign Recipient`
			where campaign = %s and state = %s and next_attempt_at is not null""",
			(campaign, RecipientState.PENDING),
		)[0][0]
		return get_datetime(value) if value else None

	def progress(self, campaign: str) -> dict[str, int]:
		rows = frappe.db.sql(
			"""select r.state, l.status, count(*) from `tabWhatsApp Campaign Recipient` r
			left join `tabWhatsApp Message Log` l on l.name = r.message_log
			where r.campaign = %s group by 1, 2""",
			(campaign,),
		)
		counts: Counter[str] = Counter()
		for state, log_status, count in rows:
			counts[shown_state(state, log_status)] += int(count)
		return dict(counts)

	def recent_failures(self, campaign: str, limit: int) -> list[bool]:
		rows = frappe.db.sql(
			"""select state, last_error from `tabWhatsApp Campaign Recipient`
			where campaign = %s and last_attempt_at is not null
			order by last_attempt_at desc limit %s""",
			(campaign, limit),
		)
		return [
			state == RecipientState.FAILED
			or (state in (RecipientState.PENDING, RecipientState.SENDING) and bool(error))
			for state, error in rows
		]

	def set_device_cooldown(self, device: str, until: datetime) -> None:
		seconds = max(1, int((until - now_datetime()).total_seconds()) + 1)
		frappe.cache.set_value(_cooldown_key(device), until.isoformat(), expires_in_sec=seconds)

	def device_cooldown(self, device: str) -> datetime | None:
		value = frappe.cache.get_value(_cooldown_key(device))
		return get_datetime(value) if value else None


def _settle(owner: str, outcome: RecipientOutcome, log_name: str | None) -> bool:
	values: dict[str, Any] = {
		"state": outcome.state,
		"attempts": outcome.attempts,
		"next_attempt_at": outcome.next_attempt_at,
		"skip_reason": outcome.skip_reason,
		"name": outcome.name,
		"owner": owner,
	}
	assignments = "state = %(state)s, attempts = %(attempts)s, next_attempt_at = %(next_attempt_at)s, "
	assignments += "skip_reason = %(skip_reason)s, lease_owner = null, lease_until = null"
	if outcome.attempted:
		values.update(at=outcome.at, error=outcome.last_error, code=outcome.error_code or 0)
		assignments += ", last_attempt_at = %(at)s, last_error = %(error)s, error_code = %(code)s"
	elif outcome.last_error:
		values["error"] = outcome.last_error
		assignments += ", last_error = %(error)s"
	if outcome.wamid:
		values["wamid"] = outcome.wamid
		assignments += ", wamid = %(wamid)s"
	if log_name:
		values["log"] = log_name
		assignments += ", message_log = %(log)s"
	frappe.db.sql(
		f"""update `tabWhatsApp Campaign Recipient` set {assignments}
		where name = %(name)s and lease_owner = %(owner)s""",
		values,
	)
	return frappe.db._cursor.rowcount == 1


def _logged_names(keys: list[str | None]) -> dict[str, str]:
	"""Message Log names of the keys already logged: such a row is linked, not inserted again."""
	keys = [key for key in keys if key]
	query = f"select idempotency_key, name from `tab{MESSAGE_LOG}` where idempotency_key in %s"
	return dict(frappe.db.sql(query, (tuple(keys),))) if keys else {}


def campaign_from(doc: Mapping[str, Any]) -> CampaignRecord:
	template = (
		frappe.db.get_value(
			TEMPLATE,
			doc.get("template"),
			["template_name", "language", "parameter_count", "status", "components"],
			as_dict=True,
		)
		if doc.get("template")
		else None
	)
	parameters = [
		line.strip() for line in (doc.get("template_parameters") or "").splitlines() if line.strip()
	]
	return CampaignRecord(
		name=doc["name"],
		device=doc.get("device"),
		devices=devices_of(doc),
		status=doc.get("status") or CampaignStatus.DRAFT,
		message_type=doc.get("message_type") or "text",
		text=doc.get("message"),
		template_name=template.template_name if template else None,
		template_language=template.language if template else None,
		template_params=tuple(parameters),
		template_parameter_count=int(template.parameter_count or 0) if template else None,
		template_status=template.status if template else None,
		media_link=doc.get("media_link"),
		media_file_url=doc.get("media_file") or None,
		template_header_format=header_format(template.components) if template else None,
		template_header_file=doc.get("template_header_file") or None,
		scheduled_start=get_datetime(doc["scheduled_start"]) if doc.get("scheduled_start") else None,
		recurrence=doc.get("recurrence") or "None",
		repeat_until=getdate(doc["repeat_until"]) if doc.get("repeat_until") else None,
		run=int(doc.get("run") or 0),
		next_run_at=get_datetime(doc["next_run_at"]) if doc.get("next_run_at") else None,
		throughput_cap=float(doc.get("throughput_cap") or 0),
		auto_pause_failure_rate=float(doc.get("auto_pause_failure_rate") or 0),
		status_reason=doc.get("status_reason"),
		owner=doc.get("owner"),
	)


def _recipient_from(row: Mapping[str, Any]) -> RecipientRow:
	values = dict(row)
	context = values.pop("context", None)
	values["context"] = json.loads(context) if isinstance(context, str) and context else dict(context or {})
	values["attempts"] = int(values.get("attempts") or 0)
	values["run"] = int(values.get("run") or 0)
	values["error_code"] = int(values["error_code"]) if values.get("error_code") else None
	return RecipientRow(**values)


def _cooldown_key(device: str) -> str:
	return cache_keys.name("campaign", "cooldown", device)
