"""The campaign services (lifecycle and dispatcher) wired to memory repositories, the fake Graph API
and an injected clock, as site.campaigns wires them to the site."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import FakeClock, make_config, make_device

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.records import CampaignRecord
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.ratelimit import RateLimiter
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.services.campaign_dispatch import CampaignDispatcher
from whatsapp_integration.services.campaign_service import CampaignService, Router
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.repository import TemplateCatalog
from whatsapp_integration.services.send_journal import SendJournal
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_campaign_repository import MemoryCampaignRepository
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository
from whatsapp_integration.testing.memory_send_journal import MemorySendJournal


@dataclass
class CampaignHarness:
	graph: FakeGraphApi
	messages: MemoryRepository
	campaigns: MemoryCampaignRepository
	journal: SendJournal
	device: DeviceProfile
	clock: FakeClock
	notifications: list[tuple[str, str]] = field(default_factory=list)
	limiter: RateLimiter | None = None
	senders: SenderFactory = field(default_factory=SenderFactory)
	config_overrides: dict[str, Any] = field(default_factory=dict)
	router: Router | None = None  # routes multi-device campaigns (services.campaign_routing)
	templates: TemplateCatalog | None = None  # the site's stored templates, checked before a send

	def service(self, **overrides: Any) -> CampaignService:
		"""A new lifecycle service over the shared repositories."""
		config = self.config(**overrides)
		return self._service(config, self._messages(config, self._limiter(), self.sleep))

	def dispatcher(
		self, sleep: Callable[[float], None] | None = None, **overrides: Any
	) -> CampaignDispatcher:
		"""A new dispatcher (one per worker) over the shared repositories."""
		config = self.config(**overrides)
		sleep = sleep or self.sleep
		limiter = self._limiter()
		messages = self._messages(config, limiter, sleep)
		return CampaignDispatcher(
			self.campaigns,
			self.journal,
			self._service(config, messages),
			config=config,
			devices=self.messages,
			senders=self.senders,
			limiter=limiter,
			batch_builder=messages.batch_builder,
			now=self.clock.now,
			sleep=sleep,
			rand=lambda: 0.5,
		)

	def config(self, **overrides: Any) -> WhatsAppConfig:
		return make_config(self.graph, **{**self.config_overrides, **overrides})

	def _limiter(self) -> RateLimiter:
		"""The shared limiter, else one per worker (as one process's buckets)."""
		return self.limiter or MemoryRateLimiter(clock=self.clock.monotonic)

	def _messages(
		self, config: WhatsAppConfig, limiter: RateLimiter, sleep: Callable[[float], None]
	) -> MessageService:
		return MessageService(
			self.messages,
			config,
			self.senders,
			limiter,
			now=self.clock.now,
			sleep=sleep,
			rand=lambda: 0.5,
			templates=self.templates,
		)

	def _service(self, config: WhatsAppConfig, messages: MessageService) -> CampaignService:
		return CampaignService(
			self.campaigns,
			config=config,
			devices=self.messages,
			send=messages.send,
			notify=lambda campaign, reason: self.notifications.append((campaign.name, reason)),
			router=self.router,
			time_zone="UTC",
			now=self.clock.now,
		)

	def sleep(self, seconds: float) -> None:
		"""The clock's sleep, at least its resolution (1 µs) so a tiny wait still moves time."""
		self.clock.sleep(max(seconds, 1e-6))

	def campaign(self, name: str = "CAMP-1", recipients: int = 0, **values: Any) -> CampaignRecord:
		values = {"text": "Hello {{ recipient_name }}!", **values}
		record = CampaignRecord(name=name, device=self.device.name, **values)
		self.campaigns.insert_campaign(record)
		if recipients:
			self.service().add_recipients(name, numbers(recipients))
		return record

	def sent_to(self) -> list[str]:
		return [request.body["to"] for request in self.graph.message_requests()]


def numbers(count: int, start: int = 0) -> list[RecipientInput]:
	"""`count` distinct valid US mobile-format numbers (+1 415 2xx xxxx)."""
	return [
		RecipientInput(f"+1415{2000000 + start + index:07d}", f"Customer {start + index}")
		for index in range(count)
	]


def make_harness(
	graph: FakeGraphApi, clock: FakeClock, *, daily_cap: int = 0, customers_wrote: bool = True, **config: Any
) -> CampaignHarness:
	device = make_device(daily_cap=daily_cap)
	# Every customer wrote just now (free-text campaigns may go) unless a test says otherwise.
	messages = MemoryRepository([device], everyone_wrote_at=clock.now if customers_wrote else None)
	return CampaignHarness(
		graph,
		messages,
		MemoryCampaignRepository(messages),
		MemorySendJournal(),
		device,
		clock,
		config_overrides={"pair_rate_seconds": 6.0, "send_rate_per_second": 1000.0, **config},
	)
