"""WhatsApp Web devices receive (issue #12): the receiver opens the unread chats of a linked
session on the fake WhatsApp Web page in real headless Chromium, reads the incoming bubbles
(text; media as a placeholder with its type) and hands them on once; their webhook-shaped body
goes through the same webhook service as Meta's, deduplicated by WhatsApp Web's message id."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.web_harness import RecordingListener, WebHarness, make_harness
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.inbound import WebInbound, read_web_message, web_payload
from whatsapp_integration.core.web.selectors import load_registry
from whatsapp_integration.core.webhook import parse_webhook
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.session_host.host import RelayListener, SessionHost
from whatsapp_integration.session_host.receiver import WebReceiver
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

WEB_DEVICE = DeviceProfile("Shop", mode=DeviceMode.WEB, phone_number="+4915112345678")
OFFICIAL = DeviceProfile("Official", phone_number_id=payloads.PHONE_NUMBER_ID)
CUSTOMER = "4917600000042"


def store(*batches: list[WebInbound], device: str = "Shop") -> tuple[MemoryWebhookRepository, list]:
	repository = MemoryWebhookRepository([WEB_DEVICE, OFFICIAL])
	service = WebhookService(repository, WhatsAppConfig())
	results = [service.process(payloads.encode(web_payload(device, batch))) for batch in batches]
	return repository, results


def inbound(message_id: str, kind: str = "text", text: str | None = "hi") -> WebInbound:
	raw = {"id": message_id, "text": text, "kind": kind}
	message = read_web_message(raw, "Kim", 1764000000)
	assert message is not None
	return message


# --- the framework-free part: ids, payload, the inbox path ------------------------------------


def test_a_web_id_names_the_sender() -> None:
	message = inbound(f"false_{CUSTOMER}@c.us_3EB0AA11")
	assert (message.wa_id, message.user_id, message.profile_name) == (CUSTOMER, None, "Kim")
	lid = inbound("false_123456789012345@lid_3EB0BB22")
	assert (lid.wa_id, lid.user_id) == (None, "123456789012345@lid")


@pytest.mark.parametrize(
	"data_id", [f"true_{CUSTOMER}@c.us_3EB0AA11", "false_12036302@g.us_3EB0CC33_491701@c.us", "", "junk"]
)
def test_own_group_and_unknown_bubbles_are_skipped(data_id: str) -> None:
	assert read_web_message({"id": data_id, "text": "x"}, None, 0) is None


def test_web_messages_are_stored_like_metas_on_the_web_device() -> None:
	text = inbound(f"false_{CUSTOMER}@c.us_3EB0AA11", text="Hello <b>there</b>")
	image = inbound(f"false_{CUSTOMER}@c.us_3EB0AA12", kind="image", text=None)
	captioned = inbound(f"false_{CUSTOMER}@c.us_3EB0AA13", kind="document", text="the invoice")
	repository, (result,) = store([text, image, captioned])
	assert result.messages_stored == 3
	rows = repository.inbound
	first = rows[text.message_id]
	assert (first.device, first.from_number, first.profile_name) == ("Shop", f"+{CUSTOMER}", "Kim")
	assert (first.message_type, first.text) == ("text", "Hello <b>there</b>")
	assert (rows[image.message_id].message_type, rows[image.message_id].text) == ("image", "[image]")
	assert rows[image.message_id].media_status is None  # nothing to download from a Web page
	assert (rows[captioned.message_id].text, rows[captioned.message_id].media_caption) == ("the invoice",) * 2


def test_a_message_read_twice_is_stored_once() -> None:
	message = inbound(f"false_{CUSTOMER}@c.us_3EB0DD44")
	repository, (first, second) = store([message], [message])
	assert (first.messages_stored, second.messages_stored, second.messages_duplicate) == (1, 0, 1)
	assert list(repository.inbound) == [message.message_id]


def test_only_a_web_device_takes_web_messages() -> None:
	message = inbound(f"false_{CUSTOMER}@c.us_3EB0EE55")
	for device in ("Official", "No such device"):
		_, (result,) = store([message], device=device)
		assert (result.messages_stored, result.unknown_device_events) == (0, 1), device


def test_a_meta_body_cannot_name_a_device() -> None:
	body = payloads.envelope([payloads.messages_change([payloads.text_message("wamid.X1", "hi")])])
	body["entry"][0]["changes"][0]["value"]["metadata"]["device"] = "Shop"
	(message,) = parse_webhook(payloads.encode(body)).messages
	assert message.device is None  # only a `whatsapp_web` body routes by device name


# --- the page: real headless Chromium on the fake WhatsApp Web --------------------------------


class Collector:
	def __init__(self) -> None:
		self.calls: list[tuple[str, list[WebInbound]]] = []
		self._lock = threading.Lock()

	def __call__(self, device: str, messages: list[WebInbound]) -> None:
		with self._lock:
			self.calls.append((device, messages))

	@property
	def messages(self) -> list[WebInbound]:
		with self._lock:
			return [message for _, batch in self.calls for message in batch]


def polled(receiver: WebReceiver, expected: int, timeout: float = 15.0) -> int:
	"""What the host does every Web receive interval: receive until `expected` messages came
	(the page shows a new message's badge at its next chat list refresh)."""
	deadline = time.monotonic() + timeout
	received = receiver.receive("Shop")
	while received < expected and time.monotonic() < deadline:
		time.sleep(0.2)
		received += receiver.receive("Shop")
	return received


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWhatsAppWeb]:
	with FakeWhatsAppWeb(rotate_seconds=60.0) as server:
		yield server


@pytest.fixture
def harness(web: FakeWhatsAppWeb, tmp_path: Path) -> Iterator[WebHarness]:
	built = make_harness(web, tmp_path)
	yield built
	built.close()
	assert built.processes.live_processes() == []


@pytest.mark.browser
def test_unread_chats_are_read_once_with_text_and_media_placeholders(harness: WebHarness) -> None:
	harness.link("Shop")
	customer, other = "4917600000101", "4917600000102"
	first = harness.web.incoming(customer, "Is my order <b>ready</b>?", name="Kim")
	photo = harness.web.incoming(customer, None, kind="image", name="Kim")
	voice = harness.web.incoming(other, None, kind="audio", name="Ana")
	sink = Collector()
	receiver = WebReceiver(harness.supervisor, sink, monotonic=harness.clock)
	assert polled(receiver, 3) == 3
	by_id = {message.message_id: message for message in sink.messages}
	assert set(by_id) == {first, photo, voice}
	assert (by_id[first].kind, by_id[first].text, by_id[first].wa_id) == (
		"text",
		"Is my order <b>ready</b>?",
		customer,
	)
	assert (by_id[first].profile_name, by_id[voice].profile_name) == ("Kim", "Ana")
	assert (by_id[photo].kind, by_id[photo].text) == ("image", None)
	assert by_id[voice].kind == "audio"
	time.sleep(1.0)  # two chat list refreshes of the page
	assert receiver.receive("Shop") == 0  # read chats have no badge; nothing is handed on twice
	later = harness.web.incoming(customer, "Hello again", name="Kim")
	assert polled(receiver, 1) == 1
	assert sink.messages[-1].message_id == later
	assert [device for device, _ in sink.calls] == ["Shop", "Shop"]


@pytest.mark.browser
def test_received_messages_reach_the_inbox_path_once(harness: WebHarness) -> None:
	harness.link("Shop")
	harness.web.incoming("4917600000103", "first", name="Lu")
	sink = Collector()
	receiver = WebReceiver(harness.supervisor, sink, monotonic=harness.clock)
	assert polled(receiver, 1) == 1
	repository, (result, again) = store(sink.messages, sink.messages)
	assert (result.messages_stored, again.messages_duplicate) == (1, 1)
	(row,) = repository.inbound.values()
	assert (row.device, row.from_number, row.text) == ("Shop", "+4917600000103", "first")


@pytest.mark.browser
def test_sending_still_works_after_receiving(harness: WebHarness) -> None:
	harness.link("Shop")
	harness.web.incoming("4917600000104", "hello", name="Mo")
	assert polled(WebReceiver(harness.supervisor, Collector(), monotonic=harness.clock), 1) == 1
	receipt = harness.supervisor.send_text("Shop", "+4917600000104", "Thanks, on its way", max_wait=30)
	assert receipt.message_id
	assert harness.web.messages[-1]["text"] == "Thanks, on its way"


@pytest.mark.browser
def test_the_canary_covers_the_receiving_selectors(harness: WebHarness) -> None:
	harness.link("Shop")
	harness.web.incoming("4917600000105", "canary", name="Cy")
	assert polled(WebReceiver(harness.supervisor, Collector(), monotonic=harness.clock), 1) == 1
	report = harness.supervisor.canary("Shop")
	assert report.page == "main+chat_in" and report.ok, report
	assert {"chat_row", "incoming_message", "incoming_text", "chat_title"} <= set(report.found)
	changed = load_registry().replace_css(incoming_text="span.copyable-text-v2")
	assert harness.supervisor.canary("Shop", changed).broken == ("incoming_text",)


@pytest.mark.browser
def test_a_session_that_is_not_working_receives_nothing(harness: WebHarness) -> None:
	sink = Collector()
	assert WebReceiver(harness.supervisor, sink).receive("Nobody") == 0
	assert sink.calls == []


@pytest.mark.browser
def test_the_host_reads_working_sessions_every_receive_interval(
	web: FakeWhatsAppWeb, tmp_path: Path, redis_url: str
) -> None:
	client = redis.Redis.from_url(redis_url)
	namespace = f"test:{uuid.uuid4().hex[:8]}:"
	harness = make_harness(web, tmp_path, web_receive_interval=1.0)
	collector = Collector()
	relay = RelayListener(RecordingListener()).start()
	receiver = WebReceiver(
		harness.supervisor, lambda device, messages: relay.call(collector, device, messages)
	)
	host = SessionHost(harness.supervisor, client, namespace, harness.processes, receiver=receiver)
	thread = threading.Thread(target=host.run, daemon=True)
	thread.start()
	try:
		harness.link("Shop")
		message_id = web.incoming("4917600000106", "through the host", name="Ho")
		deadline = time.monotonic() + 20
		while not collector.messages and time.monotonic() < deadline:
			time.sleep(0.2)
		assert [message.message_id for message in collector.messages] == [message_id]
	finally:
		host.stopping.set()
		thread.join(30)
		relay.close()
	assert harness.processes.live_processes() == []
