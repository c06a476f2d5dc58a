"""`WebhookRepository` on the site's database: inbound Message Log rows, status events, opt-outs.

Racing workers store an event once because the database decides: the Message Log's `wamid`
is a unique column (a second insert fails and is counted as a duplicate), and a status event
is applied under a row lock (`SELECT ... FOR UPDATE`) on its message, a stop/start choice under
a row lock on the number's WhatsApp Preference. Each event is committed on its own, so a crash
mid-batch keeps what was done and the retry skips it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import frappe
from frappe.utils import convert_utc_to_system_timezone

from whatsapp_integration.core.campaign.policy import parse_idempotency_key
from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode, RecipientState
from whatsapp_integration.core.webhook_records import (
	ContactLink,
	FailureHandler,
	InboundRecord,
	OutboundState,
	StatusChange,
	StatusResult,
	apply_status_event,
)
from whatsapp_integration.repositories import message_log, opt_outs
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository
from whatsapp_integration.repositories.contact_numbers import contact_by_number, contact_link
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.site.doctypes import DEVICE, MESSAGE_LOG, STATUS_EVENT

_STATE_FIELDS = (
	"status",
	"sent_at",
	"delivered_at",
	"read_at",
	"error_code",
	"error_title",
	"error_action",
	"error_reason",
	"next_attempt_at",
	"wamid",
)
_ROW_FIELDS = ("name", "attempts", "to_number", "idempotency_key", *_STATE_FIELDS)


class FrappeWebhookRepository:
	def __init__(self) -> None:
		self._devices: dict[str, DeviceProfile] = {}

	def device_for_phone_number_id(self, phone_number_id: str) -> DeviceProfile | None:
		"""Found devices are remembered for this repository's life (a drain); a miss is not, so
		a device created meanwhile is seen at once."""
		if phone_number_id not in self._devices:
			row = frappe.db.get_value(
				DEVICE, {"phone_number_id": phone_number_id}, ["name", "phone_number"], as_dict=True
			)
			if not row:
				return None
			self._devices[phone_number_id] = DeviceProfile(
				row.name, phone_number_id=phone_number_id, phone_number=row.phone_number
			)
		return self._devices[phone_number_id]

	def web_device(self, name: str) -> DeviceProfile | None:
		row = frappe.db.get_value(
			DEVICE, {"name": name, "mode": DeviceMode.WEB}, ["name", "phone_number"], as_dict=True
		)
		return DeviceProfile(row.name, mode=DeviceMode.WEB, phone_number=row.phone_number) if row else None

	def find_contact(self, number: str | None, user_id: str | None) -> ContactLink | None:
		contact = contact_by_number(number) if number else None
		if contact is None and user_id:
			contact = frappe.db.get_value(
				MESSAGE_LOG,
				{"from_user_id": user_id, "contact": ("is", "set")},
				"contact",
				order_by="creation desc",
			)
		return contact_link(contact) if contact else None

	def insert_inbound(self, record: InboundRecord) -> bool:
		return message_log.insert_inbound(replace(record, received_at=_local(record.received_at)))

	def add_status_event(
		self, wamid: str, event: StatusEvent, on_failure: FailureHandler | None = None
	) -> StatusChange:
		row = frappe.db.get_value(
			MESSAGE_LOG, {"wamid": wamid}, list(_ROW_FIELDS), as_dict=True, for_update=True
		)
		if not row:
			return StatusChange(StatusResult.UNKNOWN_MESSAGE)
		state = _state(row)
		before = {**vars(state), "events": len(state.events)}
		result = apply_status_event(state, replace(event, at=_local(event.at)), on_failure)
		if result is StatusResult.APPLIED:
			_save_state(row.name, state, before)
		frappe.db.commit()
		return StatusChange(result, state)

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		opt_outs.add(number, reason, source)
		frappe.db.commit()

	def apply_preference(self, number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
		return opt_outs.apply_preference(number, stop, _local(at), reason, source)

	def fail_campaign_recipient(self, key: str, reason: str, code: int | None, at: datetime) -> str | None:
		parsed = parse_idempotency_key(key)
		if parsed is None:
			return None
		campaign, recipient, run = parsed
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient` set state = %s, last_error = %s, error_code = %s,
			last_attempt_at = %s where name = %s and campaign = %s and run = %s""",
			(RecipientState.FAILED, reason, code or 0, _local(at), recipient, campaign, run),
		)
		marked = frappe.db._cursor.rowcount == 1
		frappe.db.commit()
		return campaign if marked else None

	def note_campaign_retry(self, key: str, reason: str, code: int | None) -> None:
		parsed = parse_idempotency_key(key)
		if parsed is None:
			return
		campaign, recipient, run = parsed
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient` set last_error = %s, error_code = %s
			where name = %s and campaign = %s and run = %s""",
			(reason, code or 0, recipient, campaign, run),
		)
		frappe.db.commit()

	def pause_campaign(self, campaign: str, reason: str) -> None:
		FrappeCampaignRepository().update_campaign(
			campaign, [CampaignStatus.RUNNING], status=CampaignStatus.PAUSED, status_reason=reason
		)


def _state(row: dict[str, Any]) -> OutboundState:
	events = frappe.db.get_values(
		STATUS_EVENT,
		{"parent": row["name"], "parenttype": MESSAGE_LOG},
		["status", "at", "error_code", "error_title"],
		as_dict=True,
		order_by="idx asc",
		for_update=True,  # a locking read sees what a racing worker committed, not an old snapshot
	)
	return OutboundState(
		**{field: row[field] for field in _ROW_FIELDS if field not in ("error_code", "attempts")},
		events=[StatusEvent(e.status, e.at, e.error_code or None, e.error_title) for e in events],
		error_code=row["error_code"] or None,
		attempts=int(row["attempts"] or 0),
	)


def _save_state(name: str, state: OutboundState, before: dict[str, Any]) -> None:
	changed = {
		field: getattr(state, field) for field in _STATE_FIELDS if getattr(state, field) != before[field]
	}
	if "error_code" in changed:
		changed["error_code"] = changed["error_code"] or 0
	if changed.get("next_attempt_at"):
		changed["next_attempt_at"] = _local(changed["next_attempt_at"])
	first = before["events"]
	message_log.save_changes(name, changed, state.events[first:], first_idx=first + 1)


def _local(moment: datetime) -> datetime:
	"""Meta's UTC time as the naive system-timezone datetime Frappe stores."""
	if moment.tzinfo is None:
		return moment
	return convert_utc_to_system_timezone(moment.replace(tzinfo=None)).replace(tzinfo=None)
