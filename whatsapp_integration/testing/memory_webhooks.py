"""`WebhookRepository` in memory (thread-safe), for the framework-free tests and benchmarks."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from whatsapp_integration.core.campaign.policy import parse_idempotency_key
from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode, MessageStatus, RecipientState
from whatsapp_integration.core.webhook_records import (
	ContactLink,
	FailureHandler,
	InboundRecord,
	OutboundState,
	StatusChange,
	StatusResult,
	apply_status_event,
)
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.testing.memory_campaign_repository import MemoryCampaignRepository


class MemoryWebhookRepository:
	"""`outbound` holds the logged messages by wamid (a requeued message leaves it: its old wamid
	is no longer its own); `campaigns`, when given, receives the campaign effects."""

	def __init__(
		self, devices: list[DeviceProfile] | None = None, campaigns: MemoryCampaignRepository | None = None
	) -> None:
		self._lock = threading.Lock()
		self._devices = {device.phone_number_id: device for device in devices or []}
		self._web_devices = {device.name: device for device in devices or [] if device.mode == DeviceMode.WEB}
		self.campaigns = campaigns
		self.inbound: dict[str, InboundRecord] = {}
		self.outbound: dict[str, OutboundState] = {}
		self.contacts: dict[str, ContactLink] = {}
		self.opt_outs: dict[str, tuple[str, str]] = {}
		self.preferences: dict[str, datetime] = {}

	def add_outbound(self, wamid: str, status: str = MessageStatus.QUEUED, **values: object) -> OutboundState:
		with self._lock:
			self.outbound[wamid] = OutboundState(status=status, wamid=wamid, **values)  # type: ignore[arg-type]
			return self.outbound[wamid]

	def add_contact(self, key: str, link: ContactLink) -> None:
		with self._lock:
			self.contacts[key] = link

	def device_for_phone_number_id(self, phone_number_id: str) -> DeviceProfile | None:
		return self._devices.get(phone_number_id)

	def web_device(self, name: str) -> DeviceProfile | None:
		return self._web_devices.get(name)

	def find_contact(self, number: str | None, user_id: str | None) -> ContactLink | None:
		with self._lock:
			return self.contacts.get(number or "") or self.contacts.get(user_id or "")

	def insert_inbound(self, record: InboundRecord) -> bool:
		with self._lock:
			if record.wamid in self.inbound:
				return False
			self.inbound[record.wamid] = replace(record)
			return True

	def add_status_event(
		self, wamid: str, event: StatusEvent, on_failure: FailureHandler | None = None
	) -> StatusChange:
		with self._lock:
			state = self.outbound.get(wamid)
			if state is None:
				return StatusChange(StatusResult.UNKNOWN_MESSAGE)
			result = apply_status_event(state, replace(event), on_failure)
			if state.wamid != wamid:
				del self.outbound[wamid]
			return StatusChange(result, replace(state, events=list(state.events)))

	def add_opt_out(self, number: str, reason: str, source: str) -> None:
		with self._lock:
			self.opt_outs.setdefault(number, (reason, source))

	def apply_preference(self, number: str, stop: bool, at: datetime, reason: str, source: str) -> bool:
		with self._lock:
			if number in self.preferences and self.preferences[number] >= at:
				return False
			self.preferences[number] = at
			if stop:
				self.opt_outs.setdefault(number, (reason, source))
			else:
				self.opt_outs.pop(number, None)
			return True

	def fail_campaign_recipient(self, key: str, reason: str, code: int | None, at: datetime) -> str | None:
		parsed = parse_idempotency_key(key)
		if self.campaigns is None or parsed is None:
			return None
		campaign, recipient, run = parsed
		marked = self.campaigns.mark_recipient(
			recipient, campaign, run, state=RecipientState.FAILED, at=at, error=reason, code=code
		)
		return campaign if marked else None

	def note_campaign_retry(self, key: str, reason: str, code: int | None) -> None:
		parsed = parse_idempotency_key(key)
		if self.campaigns is not None and parsed is not None:
			campaign, recipient, run = parsed
			self.campaigns.mark_recipient(recipient, campaign, run, error=reason, code=code)

	def pause_campaign(self, campaign: str, reason: str) -> None:
		if self.campaigns is not None:
			self.campaigns.update_campaign(
				campaign, [CampaignStatus.RUNNING], status=CampaignStatus.PAUSED, status_reason=reason
			)
