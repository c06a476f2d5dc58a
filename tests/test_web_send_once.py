"""WhatsApp Web sends are never duplicated: the outbox lease covers a whole Web send, the host
refuses a click after the caller's deadline and a second click for one idempotency key, and a
failure after the click ends Failed "in doubt", never resent. Real parts: the session host on a
thread, a real redis-server, headless Chromium on the fake WhatsApp Web page."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.test_web_host import RunningHost, wait_for_heartbeat, wait_state, web_message_service
from whatsapp_integration.core.errors import ErrorAction, SendFailed
from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.session_host.client import HostClient, HostSender
from whatsapp_integration.session_host.sent_keys import SentKeys
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb

pytestmark = [pytest.mark.browser, pytest.mark.redis]


class ShiftedNow:
	"""`datetime.now()` plus whatever the test skipped with `advance` (the service's clock)."""

	def __init__(self) -> None:
		self.offset = timedelta()

	def __call__(self) -> datetime:
		return datetime.now() + self.offset

	def advance(self, seconds: float) -> None:
		self.offset += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWhatsAppWeb]:
	with FakeWhatsAppWeb(rotate_seconds=60.0) as server:
		yield server


@pytest.fixture
def linked(redis_url: str, web: FakeWhatsAppWeb, tmp_path: Path) -> Iterator[Any]:
	"""`linked(**config)`: a running host whose device Shop is linked, and its client."""
	client, namespace = redis.Redis.from_url(redis_url), f"test:{uuid.uuid4().hex[:8]}:"
	hosts: list[RunningHost] = []

	def start(**overrides: Any) -> tuple[RunningHost, HostClient]:
		running = RunningHost(client, namespace, tmp_path, web.url, **overrides).start()
		hosts.append(running)
		host_client = HostClient(client, namespace)
		wait_for_heartbeat(host_client)
		host_client.call("start", "Shop")
		shown = wait_state(host_client, "Shop", "SCAN_QR_CODE", "WORKING")
		if shown["state"] == "SCAN_QR_CODE":
			assert web.scan(running.host.supervisor.status("Shop").qr_ref or "")
		assert wait_state(host_client, "Shop", "WORKING")["state"] == "WORKING"
		return running, host_client

	yield start
	web.hold_ticks(False)
	for running in hosts:
		running.stop()


def sent_count(web: FakeWhatsAppWeb, text: str) -> int:
	return sum(message["text"] == text for message in web.messages)


def wait_for_row(service: MessageService, key: str, timeout: float = 20.0) -> Any:
	deadline = time.monotonic() + timeout
	while (row := service.repository.find_by_idempotency_key(key)) is None:
		assert time.monotonic() < deadline, "the send did not write its Message Log row"
		time.sleep(0.02)
	return row


def test_the_outbox_lease_of_a_web_send_outlasts_the_send(linked: Any, web: FakeWhatsAppWeb) -> None:
	"""A send waiting for its pacing slot is not claimed by the retry job 61 s later (the old
	lease was 60 s), and its lease covers the host's own timeouts for one send."""
	running, host_client = linked(web_min_send_gap_seconds=3.0)
	now = ShiftedNow()
	service = web_message_service(host_client, now=now, web_min_send_gap_seconds=3.0)
	service.send(OutboundMessage(to="+14155550140", text=f"first {uuid.uuid4()}", device="Shop"))
	key, text = uuid.uuid4().hex, f"paced {uuid.uuid4()}"
	message = OutboundMessage(to="+14155550140", text=text, device="Shop", idempotency_key=key)
	sending = threading.Thread(target=service.send, args=(message,))
	sending.start()
	row = wait_for_row(service, key)
	config = running.config
	one_send = config.web_min_send_gap_seconds + config.page_load_timeout + 3 * config.element_timeout
	assert row.next_attempt_at - row.created_at >= timedelta(seconds=one_send)
	now.advance(61)
	assert service.retry_due() == 0
	sending.join(60)
	assert service.repository.find_by_idempotency_key(key).status == MessageStatus.SENT
	assert sent_count(web, text) == 1


def test_a_send_whose_click_deadline_passed_is_refused_unsent(linked: Any, web: FakeWhatsAppWeb) -> None:
	_, host_client = linked()
	text = f"too late {uuid.uuid4()}"
	with pytest.raises(SendFailed) as raised:
		host_client.call(
			"send", "Shop", timeout=30, to="+14155550141", text=text, max_wait=5,
			click_by=time.time() + 0.1, key=uuid.uuid4().hex,
		)  # fmt: skip
	assert raised.value.action is ErrorAction.RETRY
	assert "deadline passed" in str(raised.value) and "Nothing went to WhatsApp" in str(raised.value)
	assert sent_count(web, text) == 0


def test_one_idempotency_key_is_clicked_once(linked: Any, web: FakeWhatsAppWeb, tmp_path: Path) -> None:
	running, host_client = linked()
	sender = HostSender(lambda: host_client, "Shop", running.config)
	key, text = uuid.uuid4().hex, f"only once {uuid.uuid4()}"
	first = sender.send_text("+14155550142", text, idempotency_key=key)
	again = sender.send_text("+14155550142", text, idempotency_key=key)
	assert again == first and sent_count(web, text) == 1
	assert SentKeys(tmp_path / "sent").lookup(key) == first, "a restarted host keeps the record"


def test_a_failure_after_the_click_is_failed_in_doubt_and_never_resent(
	linked: Any, web: FakeWhatsAppWeb
) -> None:
	_, host_client = linked(element_timeout=1.0)
	now = ShiftedNow()
	service = web_message_service(host_client, now=now)
	text = f"held {uuid.uuid4()}"
	web.hold_ticks(True)
	record = service.send(OutboundMessage(to="+14155550143", text=text, device="Shop"))
	assert (record.status, record.error_action) == (MessageStatus.FAILED, ErrorAction.IN_DOUBT.value)
	assert "may have been delivered" in (record.error_reason or "")
	now.advance(7200)
	assert service.retry_due() == 0
	web.hold_ticks(False)
	service.retry(record.name or "")
	assert service.retry_due() == 1, "a person may retry it: the host still never clicks twice"
	retried = service.repository.get_message(record.name or "")
	assert retried.status == MessageStatus.FAILED and "already sent" in (retried.error_reason or "")
	assert sent_count(web, text) == 1
