"""An in-memory RoutingRepository (services.campaign_routing) for framework-free tests and
benchmarks: devices as given, history and usage from the `MemoryRepository`'s Message Log, the
recipient rows of the `MemoryCampaignRepository`."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from whatsapp_integration.core.campaign.planning import OPEN_STATES
from whatsapp_integration.core.campaign.routing import DeviceUsage, RoutingDevice
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.vocabulary import Direction, MessageStatus, RecipientState
from whatsapp_integration.testing.memory_campaign_repository import MemoryCampaignRepository
from whatsapp_integration.testing.memory_repository import MemoryRepository


class MemoryRoutingRepository:
	def __init__(
		self, campaigns: MemoryCampaignRepository, messages: MemoryRepository, devices: list[RoutingDevice]
	) -> None:
		self.campaigns = campaigns
		self.messages = messages
		self.devices = {device.name: device for device in devices}

	def set_health(self, device: str, health: NumberHealth, error: str | None = None) -> None:
		self.devices[device] = dataclasses.replace(self.devices[device], health=health, health_error=error)

	def routing_device(self, name: str) -> RoutingDevice:
		return self.devices[name]

	def device_usage(self, device: str, day_start: datetime, window_start: datetime) -> DeviceUsage:
		sent = [
			record
			for record in self.messages.records()
			if record.device == device
			and record.direction == Direction.OUTBOUND
			and record.status != MessageStatus.FAILED
			and record.created_at is not None
		]
		return DeviceUsage(
			sum(1 for record in sent if record.created_at >= day_start),
			len({record.to_number for record in sent if record.created_at >= window_start}),
			self._assigned_open(device),
		)

	def _assigned_open(self, device: str) -> int:
		with self.campaigns.locked_rows() as rows:
			return sum(1 for row in rows if row.device == device and row.state in OPEN_STATES)

	def unrouted(self, campaign: str) -> list[tuple[str, str]]:
		with self.campaigns.locked_rows(campaign) as rows:
			return [(r.name, r.number) for r in rows if r.state == RecipientState.PENDING and not r.device]

	def assign(self, assignments: Mapping[str, str]) -> int:
		with self.campaigns.locked_rows() as rows:
			given = [
				r
				for r in rows
				if r.name in assignments and r.state == RecipientState.PENDING and not r.device
			]
			for row in given:
				row.device = assignments[row.name]
			return len(given)

	def unassign(self, campaign: str, device: str) -> int:
		with self.campaigns.locked_rows(campaign) as rows:
			taken = [row for row in rows if row.device == device and row.state == RecipientState.PENDING]
			for row in taken:
				row.device = None
			return len(taken)

	def last_devices(self, numbers: Iterable[str], devices: Iterable[str]) -> dict[str, str]:
		wanted, among = set(numbers), set(devices)
		last: dict[str, str] = {}
		for record in self.messages.records():
			number = record.to_number if record.direction == Direction.OUTBOUND else record.from_number
			if number in wanted and record.device in among and record.status != MessageStatus.FAILED:
				last[number] = record.device
		return last

	def progress_by_device(self, campaign: str) -> dict[str, dict[str, int]]:
		counts: dict[str, Counter[str]] = {}
		with self.campaigns.locked_rows(campaign) as rows:
			for row in rows:
				counts.setdefault(row.device or "", Counter())[self.campaigns.shown_state(row)] += 1
		return {device: dict(states) for device, states in counts.items()}
