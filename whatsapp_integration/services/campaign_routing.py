"""Routing the recipients of a campaign that uses several devices (`core.campaign.routing`).

A run starts routed (the lifecycle service calls `route` after planning), and the scheduler
routes every running multi-device campaign again each minute: recipients that waited for
capacity get a device once one has room (the next day at the latest), and the pending
recipients of a device that became unhealthy (quality RED, a FAILED session, an expired token)
are taken from it and routed anew. Each dispatcher then sends only its own device's recipients.
Routing never moves a recipient that is being sent (Sending) or was sent.

One campaign's routing is not meant to run twice at once (the scheduler tick is the only caller
besides Start); should it, assigning is conditional (a row gets a device only while it has none)
and the device's daily cap still bounds every batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from whatsapp_integration.core.campaign.records import CampaignRecord
from whatsapp_integration.core.campaign.routing import (
	DeviceStanding,
	DeviceUsage,
	RoutingDevice,
	remaining_capacity,
	route,
	unusable_reason,
	waiting_reason,
)
from whatsapp_integration.core.caps import start_of_day
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.services.campaign_repository import CampaignRepository

WINDOW = timedelta(hours=24)  # Meta's messaging limit counts unique recipients in a rolling 24 h


class RoutingRepository(Protocol):
	def routing_device(self, name: str) -> RoutingDevice: ...

	def device_usage(self, device: str, day_start: datetime, window_start: datetime) -> DeviceUsage:
		"""Outbound messages since `day_start` that did not fail, unique recipients since
		`window_start`, and Pending/Sending campaign recipients assigned to the device."""
		...

	def unrouted(self, campaign: str) -> list[tuple[str, str]]:
		"""(row name, number) of the campaign's Pending recipients without a device, in order."""
		...

	def assign(self, assignments: Mapping[str, str]) -> int:
		"""Give each Pending row without a device its device; returns how many were given."""
		...

	def unassign(self, campaign: str, device: str) -> int:
		"""Take the campaign's Pending rows away from `device` (they are routed anew)."""
		...

	def last_devices(self, numbers: Iterable[str], devices: Iterable[str]) -> dict[str, str]:
		"""The device among `devices` each number last exchanged a message with (one that
		failed is none)."""
		...

	def progress_by_device(self, campaign: str) -> dict[str, dict[str, int]]:
		"""Recipients per assigned device ("" for none yet) and state, as `progress` counts them."""
		...


@dataclass
class RoutingReport:
	assigned: dict[str, int] = field(default_factory=dict)
	waiting: int = 0
	unusable: dict[str, str] = field(default_factory=dict)


class CampaignRouter:
	def __init__(
		self,
		repository: RoutingRepository,
		campaigns: CampaignRepository,
		*,
		config: WhatsAppConfig,
		now: Callable[[], datetime] = datetime.now,
	) -> None:
		self.repository = repository
		self._campaigns = campaigns
		self.config = config
		self._now = now

	def route(self, campaign: CampaignRecord) -> RoutingReport:
		"""Assign the campaign's unrouted Pending recipients; say why some wait."""
		if not campaign.devices:
			return RoutingReport()
		standings = [self.standing(device) for device in campaign.devices]
		for standing in standings:
			if standing.unhealthy:
				self.repository.unassign(campaign.name, standing.name)
		rows = self.repository.unrouted(campaign.name)
		healthy = [standing.name for standing in standings if not standing.unhealthy]
		numbers = {number for _, number in rows}
		history = self.repository.last_devices(numbers, healthy) if numbers and healthy else {}
		routing = route(rows, standings, history)
		self.repository.assign(routing.assigned)
		self._explain(campaign, waiting_reason(len(routing.waiting), standings) if routing.waiting else None)
		return RoutingReport(
			{name: list(routing.assigned.values()).count(name) for name in healthy},
			len(routing.waiting),
			{standing.name: standing.unhealthy for standing in standings if standing.unhealthy},
		)

	def standing(self, name: str) -> DeviceStanding:
		"""The device's room today, or why it takes nobody now."""
		device = self.repository.routing_device(name)
		problem = unusable_reason(
			device.mode, device.enabled, device.web_state, device.health, device.health_error
		)
		if problem:
			return DeviceStanding(name, 0, problem)
		now = self._now()
		day_start = start_of_day(now)
		remaining = remaining_capacity(
			device.mode,
			device.health.messaging_limit_tier,
			device.daily_cap,
			self.repository.device_usage(name, day_start, now - WINDOW),
			seconds_left_today=(day_start + timedelta(days=1) - now).total_seconds(),
			web_gap_seconds=self.config.web_min_send_gap_seconds + self.config.web_send_jitter_seconds / 2,
			web_daily_cap=self.config.web_daily_cap,
		)
		return DeviceStanding(name, remaining)

	def progress_by_device(self, campaign: str) -> dict[str, dict[str, int]]:
		return self.repository.progress_by_device(campaign)

	def _explain(self, campaign: CampaignRecord, reason: str | None) -> None:
		"""A running campaign's status reason says why recipients wait (cleared once none do)."""
		if reason != campaign.status_reason:
			self._campaigns.update_campaign(campaign.name, [CampaignStatus.RUNNING], status_reason=reason)
