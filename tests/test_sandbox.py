"""Sandbox devices: the sender answers like Meta without a request; Delivered and Read statuses
and simulated replies go through the signed webhook path and the real inbox service, in memory."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone

import pytest
from conftest import FakeClock, make_config

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError, DeviceNotFound
from whatsapp_integration.core.interactive import Interactive, ReplyButton
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.sandbox import SandboxDevice, sandbox_phone_number_id
from whatsapp_integration.core.vocabulary import DeviceMode, InboxState, MessageStatus, MessageType
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.senders.sandbox import SandboxSender, sandbox_sender_builder
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.sandbox import SandboxService
from whatsapp_integration.services.webhook_inbox import WebhookInbox
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository
from whatsapp_integration.testing.memory_sandbox import MemorySandboxOutbox
from whatsapp_integration.testing.memory_webhook_inbox import MemoryWebhookInbox
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

SECRET = "sandbox-app-secret"
NUMBER_ID = sandbox_phone_number_id("T3ST")
DEVICE = DeviceProfile(
	"Demo", mode=DeviceMode.SANDBOX, phone_number_id=NUMBER_ID, phone_number="+15550100999"
)
TO = "+4917600000001"


class Sandbox:
	"""The outbox (message service), the Sandbox sender, the inbox and the Sandbox service."""

	def __init__(self, graph: FakeGraphApi, **config: object) -> None:
		self.clock = FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
		self.config: WhatsAppConfig = make_config(graph, app_secret=SECRET, **config)
		self.webhooks = MemoryWebhookRepository([DEVICE])
		self.store = MemoryWebhookInbox(self.clock.now)
		self.inbox = WebhookInbox(self.store, WebhookService(self.webhooks, self.config), now=self.clock.now)
		devices = {DEVICE.name: SandboxDevice(NUMBER_ID, DEVICE.phone_number)}
		self.outbox = MemorySandboxOutbox(self.webhooks, devices, self.clock.now)
		senders = SenderFactory()
		senders.register(
			DeviceMode.SANDBOX, lambda device, config: SandboxSender(devices[device.name], self.outbox.record)
		)
		self.messages = MessageService(
			MemoryRepository([DEVICE], everyone_wrote_at=self.clock.now),
			self.config,
			senders,
			MemoryRateLimiter(clock=self.clock.monotonic),
			now=self.clock.now,
			sleep=self.clock.sleep,
		)
		self.service = SandboxService(
			self.outbox,
			self.inbox,
			self.config,
			now=self.clock.now,
			on_accepted=self.inbox.process_one,
			epoch=self.clock.monotonic,
			clock=self.clock.monotonic,
			sleep=self.clock.sleep,
		)

	def send(self, text: str = "Your order has shipped", **fields: object) -> str:
		record = self.messages.send(OutboundMessage(to=TO, text=text, device=DEVICE.name, **fields))
		assert record.status == MessageStatus.SENT
		return record.wamid or ""

	def status(self, wamid: str) -> str:
		return self.webhooks.outbound[wamid].status

	def bodies(self) -> list[dict]:
		return [json.loads(row.body) for row in self.store.rows.values()]


@pytest.fixture
def sandbox(fake_graph: FakeGraphApi) -> Sandbox:
	return Sandbox(fake_graph, sandbox_delivered_after_seconds=2, sandbox_read_after_seconds=3)


def test_a_send_answers_like_meta_without_any_request(sandbox: Sandbox, fake_graph: FakeGraphApi) -> None:
	wamid = sandbox.send()
	assert wamid.startswith("wamid.SANDBOX.") and wamid != sandbox.send("another")
	assert fake_graph.requests == []
	assert sandbox.status(wamid) == MessageStatus.SENT


def test_every_kind_of_message_is_answered_without_a_request(
	sandbox: Sandbox, fake_graph: FakeGraphApi
) -> None:
	buttons = (ReplyButton("yes", "Yes"), ReplyButton("no", "No"))
	messages = [
		OutboundMessage(
			to=TO, message_type=MessageType.TEMPLATE, template=Template("order_shipped", "en_US", ("A1",))
		),
		OutboundMessage(
			to=TO,
			message_type=MessageType.IMAGE,
			media=Media(MessageType.IMAGE, "https://example.test/a.png"),
		),
		OutboundMessage(
			to=TO,
			message_type=MessageType.INTERACTIVE,
			interactive=Interactive("button", "Confirm?", buttons=buttons),
		),
	]
	for message in messages:
		record = sandbox.messages.send(dataclasses.replace(message, device=DEVICE.name))
		assert (record.status, (record.wamid or "")[:14]) == (MessageStatus.SENT, "wamid.SANDBOX.")
	assert fake_graph.requests == []


def test_statuses_arrive_through_the_signed_inbox_after_their_delays(sandbox: Sandbox) -> None:
	wamid = sandbox.send(callback_data="order:SO-1")
	assert sandbox.service.deliver_due() == 0
	sandbox.clock.advance(1.9)
	assert sandbox.service.deliver_due() == 0 and sandbox.status(wamid) == MessageStatus.SENT
	sandbox.clock.advance(0.1)
	assert sandbox.service.deliver_due() == 1
	assert sandbox.status(wamid) == MessageStatus.DELIVERED
	sandbox.clock.advance(2.9)
	assert sandbox.service.deliver_due() == 0
	sandbox.clock.advance(0.1)
	assert sandbox.service.deliver_due() == 1
	assert sandbox.status(wamid) == MessageStatus.READ
	assert [row.state for row in sandbox.store.rows.values()] == [InboxState.PROCESSED] * 2
	statuses = [body["entry"][0]["changes"][0]["value"]["statuses"][0] for body in sandbox.bodies()]
	assert [(s["id"], s["status"], s["recipient_id"]) for s in statuses] == [
		(wamid, "delivered", TO.lstrip("+")),
		(wamid, "read", TO.lstrip("+")),
	]
	assert statuses[0]["biz_opaque_callback_data"] == "order:SO-1"
	metadata = sandbox.bodies()[0]["entry"][0]["changes"][0]["value"]["metadata"]
	assert metadata["phone_number_id"] == NUMBER_ID


def test_run_waits_for_each_status_and_stops_when_all_are_read(sandbox: Sandbox) -> None:
	wamids = [sandbox.send(f"message {n}") for n in range(3)]
	sandbox.clock.advance(1)
	wamids.append(sandbox.send("a later one"))
	assert sandbox.service.run(seconds=60) == 8
	assert [sandbox.status(wamid) for wamid in wamids] == [MessageStatus.READ] * 4
	assert sandbox.service.next_due() is None
	assert sum(sandbox.clock.sleeps) == pytest.approx(5.0)  # until the last send is read: 2 s + 3 s


def test_run_stops_at_its_budget(sandbox: Sandbox) -> None:
	wamid = sandbox.send()
	assert sandbox.service.run(seconds=1) == 0
	assert sandbox.status(wamid) == MessageStatus.SENT and sandbox.service.next_due() is not None


def test_a_simulated_reply_is_an_inbound_message(sandbox: Sandbox) -> None:
	wamid = sandbox.service.simulate_reply(DEVICE.name, TO, "Where is my order?")
	stored = sandbox.webhooks.inbound[wamid]
	assert (stored.device, stored.from_number, stored.text) == (DEVICE.name, TO, "Where is my order?")
	assert stored.profile_name == "Sandbox customer"
	with pytest.raises(DeviceNotFound):
		sandbox.service.simulate_reply("Nope", TO, "hi")


def test_without_an_app_secret_nothing_is_stored(fake_graph: FakeGraphApi) -> None:
	senders = SenderFactory()
	senders.register(DeviceMode.SANDBOX, sandbox_sender_builder(lambda send: None))
	with pytest.raises(ConfigurationError, match="set an App secret"):
		senders.for_device(DEVICE, WhatsAppConfig())
	sandbox = Sandbox(fake_graph)
	sandbox.service.config = sandbox.config.replace(app_secret="")
	with pytest.raises(ConfigurationError, match="App secret"):
		sandbox.service.simulate_reply(DEVICE.name, TO, "hi")
	assert sandbox.store.rows == {}
