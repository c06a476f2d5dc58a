"""The session host end to end: commands through a real redis-server, browsers in the host,
message_service sending through it for Web devices, restarts and a killed host."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.web_harness import web_config
from whatsapp_integration.core.errors import (
	ConfigurationError,
	DeviceNotFound,
	DeviceUnavailable,
	ErrorAction,
	IllegalSessionTransition,
	SessionHostUnavailable,
	WebRecipientInvalid,
)
from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.core.vocabulary import DeviceMode, MessageStatus
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.services.qr_service import QrService, SessionRecorder
from whatsapp_integration.session_host.client import HostClient, web_sender_builder
from whatsapp_integration.session_host.host import RelayListener, SessionHost, build_supervisor
from whatsapp_integration.session_host.pacing import RedisDailyCounter
from whatsapp_integration.session_host.processes import ProcessRegistry, is_alive
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository
from whatsapp_integration.testing.memory_web_sessions import MemoryWebSessionRepository

pytestmark = [pytest.mark.browser, pytest.mark.redis]
WEB_DEVICES = [DeviceProfile(name="Shop", mode=DeviceMode.WEB, phone_number="+15550100009")]
SESSIONS, POOL_SIZE = 50, 4


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWhatsAppWeb]:
	with FakeWhatsAppWeb(rotate_seconds=60.0) as server:
		yield server


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
	return redis.Redis.from_url(redis_url)


@pytest.fixture
def namespace() -> str:
	return f"test:{uuid.uuid4().hex[:8]}:"


class RunningHost:
	"""A `SessionHost` serving on a thread of the test process."""

	def __init__(
		self, client: redis.Redis, namespace: str, state_dir: Path, base_url: str, **overrides: Any
	) -> None:
		self.repository = MemoryWebSessionRepository(WEB_DEVICES)
		self.listener = RelayListener(SessionRecorder(self.repository)).start()
		self.config = config = web_config(base_url, **overrides)
		supervisor, self.processes = build_supervisor(
			config, state_dir, self.listener, RedisDailyCounter(client, namespace)
		)
		self.host = SessionHost(supervisor, client, namespace, self.processes)
		self._thread: threading.Thread | None = None

	def start(self, restore: tuple[str, ...] = ()) -> RunningHost:
		self._thread = threading.Thread(target=self.host.run, kwargs={"restore": restore}, daemon=True)
		self._thread.start()
		return self

	def stop(self) -> None:
		self.host.stopping.set()
		if self._thread:
			self._thread.join(30)
		self.listener.close()

	def history(self, device: str) -> list[str]:
		return [entry.state.value for entry in self.repository.sessions[device].history]


def wait_state(host_client: HostClient, device: str, *states: str, timeout: float = 20.0) -> dict:
	deadline = time.monotonic() + timeout
	status = host_client.call("status", device)
	while status["state"] not in states and time.monotonic() < deadline:
		time.sleep(0.1)
		status = host_client.call("status", device)
	return status


def test_the_qr_service_links_only_enabled_web_devices(client: redis.Redis, namespace: str) -> None:
	repository = MemoryWebSessionRepository(
		[
			*WEB_DEVICES,
			DeviceProfile(name="Cloud", phone_number_id="1"),
			DeviceProfile(name="Off", mode=DeviceMode.WEB, enabled=False),
		]
	)
	service = QrService(repository, HostClient(client, namespace))
	with pytest.raises(ConfigurationError, match="uses Official mode"):
		service.start_session("Cloud")
	with pytest.raises(DeviceUnavailable, match="disabled"):
		service.start_session("Off")
	with pytest.raises(DeviceNotFound):
		service.start_session("Nobody")
	with pytest.raises(SessionHostUnavailable):
		service.start_session("Shop")


def test_callers_get_a_clear_error_when_no_host_runs(client: redis.Redis, namespace: str) -> None:
	with pytest.raises(SessionHostUnavailable) as raised:
		HostClient(client, namespace, site="erp.example.com").call("start", "Shop")
	assert "bench --site erp.example.com whatsapp-web-host" in str(raised.value)
	assert raised.value.action is ErrorAction.RETRY


def test_link_and_send_through_the_host_ending_in_a_sent_log_row(
	client: redis.Redis, namespace: str, web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	running = RunningHost(client, namespace, tmp_path, web.url).start()
	host_client = HostClient(client, namespace)
	try:
		wait_for_heartbeat(host_client)
		assert host_client.call("start", "Shop")["state"] == "STARTING"
		with pytest.raises(IllegalSessionTransition):
			host_client.call("start", "Shop")
		shown = wait_state(host_client, "Shop", "SCAN_QR_CODE")
		assert base64.b64decode(shown["qr_png_base64"]).startswith(b"\x89PNG")
		assert web.scan(running.host.supervisor.status("Shop").qr_ref or "")
		assert wait_state(host_client, "Shop", "WORKING")["state"] == "WORKING"
		qr_service = QrService(running.repository, host_client)
		assert qr_service.session_status("Shop")["host"]["pid"] == os.getpid()
		service = web_message_service(host_client)
		sent = service.send(OutboundMessage(to="+14155550123", text="Hello from the host", device="Shop"))
		assert (
			sent.status == MessageStatus.SENT
			and sent.wamid
			and sent.wamid.startswith("true_14155550123@c.us_")
		)
		assert web.messages[-1]["text"] == "Hello from the host"
		web.set_not_on_whatsapp("+14155550124")
		refused = service.send(OutboundMessage(to="+14155550124", text="bad", device="Shop"))
		assert refused.status == MessageStatus.FAILED and refused.error_action == ErrorAction.FIX_INPUT.value
		with pytest.raises(WebRecipientInvalid):
			host_client.call("send", "Shop", to="+1415", text="x", max_wait=5)
		assert qr_service.relink("Shop")["state"] == "STARTING"
		assert wait_state(host_client, "Shop", "SCAN_QR_CODE", "WORKING")["state"] == "SCAN_QR_CODE"
	finally:
		web.set_not_on_whatsapp()
		running.stop()
	assert running.processes.live_processes() == []
	with pytest.raises(SessionHostUnavailable):
		host_client.call("status", "Shop")


def test_a_restarted_host_restores_working_sessions_without_a_scan(
	client: redis.Redis, namespace: str, web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	first = RunningHost(client, namespace, tmp_path, web.url).start()
	host_client = HostClient(client, namespace)
	wait_for_heartbeat(host_client)
	host_client.call("start", "Shop")
	wait_state(host_client, "Shop", "SCAN_QR_CODE")
	assert web.scan(first.host.supervisor.status("Shop").qr_ref or "")
	assert wait_state(host_client, "Shop", "WORKING")["state"] == "WORKING"
	first.stop()
	assert first.repository.restorable_devices() == ["Shop"]
	second = RunningHost(client, namespace, tmp_path, web.url).start(
		restore=tuple(first.repository.restorable_devices())
	)
	try:
		wait_for_heartbeat(host_client)
		assert wait_state(host_client, "Shop", "WORKING", "SCAN_QR_CODE", "FAILED")["state"] == "WORKING"
		deadline = time.monotonic() + 5
		while second.history("Shop") != ["STARTING", "WORKING"] and time.monotonic() < deadline:
			time.sleep(0.05)
		assert second.history("Shop") == ["STARTING", "WORKING"]
	finally:
		second.stop()


def test_after_50_sessions_and_a_killed_host_the_next_host_leaves_no_browser_process_of_ours(
	client: redis.Redis, redis_url: str, namespace: str, web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	"""50 sessions through a host's pool of 4 (each batch shows its QR codes, then stops and
	stays warm until the next batch evicts it); the host is SIGKILLed with its last browsers up."""
	children_before = live_children()
	host = subprocess.Popen(
		[sys.executable, "-m", "whatsapp_integration.testing.web_host", "--redis-url", redis_url,
		 "--namespace", namespace, "--state-dir", str(tmp_path), "--base-url", web.url,
		 "--pool-size", str(POOL_SIZE)],
		stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
	)  # fmt: skip
	host_client = HostClient(client, namespace)
	try:
		wait_for_heartbeat(host_client)
		run_sessions(host_client, tmp_path)
		registry = ProcessRegistry(tmp_path / "processes.json")
		assert len(registry.live_processes()) >= 2 * POOL_SIZE
		os.kill(host.pid, signal.SIGKILL)
		host.wait(10)
		assert len(registry.live_processes()) >= 2 * POOL_SIZE, "the browsers outlive a killed host"
	finally:
		if host.poll() is None:
			host.kill()
			host.wait()
	successor = RunningHost(client, namespace, tmp_path, web.url).start()
	try:
		wait_for_heartbeat(host_client, previous_pid=host.pid)
		assert successor.processes.live_processes() == []
	finally:
		successor.stop()
	assert ProcessRegistry(tmp_path / "processes.json").live_processes() == []
	assert live_children() == children_before


def run_sessions(host_client: HostClient, state_dir: Path) -> None:
	"""`SESSIONS` sessions in batches of `POOL_SIZE` started at once: each batch shows its QR
	codes and is stopped (its browsers stay warm until the next batch evicts them), except the
	last one, left running. The host never tracks more browsers than its pool holds."""
	for first in range(0, SESSIONS, POOL_SIZE):
		devices = [f"Device {number}" for number in range(first, min(first + POOL_SIZE, SESSIONS))]
		for device in devices:
			host_client.call("start", device)
		for device in devices:
			assert wait_state(host_client, device, "SCAN_QR_CODE", timeout=60)["state"] == "SCAN_QR_CODE"
		assert len(tracked_browsers(state_dir)) <= POOL_SIZE
		if first + POOL_SIZE < SESSIONS:
			for device in devices:
				host_client.call("stop", device)


def tracked_browsers(state_dir: Path) -> list[str]:
	"""The browsers the host's process registry tracks, read from its file (not rewritten)."""
	return json.loads((state_dir / "processes.json").read_text())["tags"]


def live_children() -> int:
	"""Processes (zombies aside) whose parent is this test process."""
	parent = f"PPid:\t{os.getpid()}\n"
	count = 0
	for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
		try:
			is_child = parent in Path(f"/proc/{pid}/status").read_text()
		except OSError:
			continue
		count += is_child and is_alive(pid)
	return count


def wait_for_heartbeat(
	host_client: HostClient, previous_pid: int | None = None, timeout: float = 20.0
) -> None:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		beat = host_client.heartbeat()
		if beat and beat["pid"] != previous_pid and host_client.call("ping", timeout=5):
			return
		time.sleep(0.1)
	raise AssertionError("the session host did not start")


def web_message_service(
	host_client: HostClient, now: Callable[[], datetime] = datetime.now, **overrides: Any
) -> MessageService:
	"""message_service as the site wires it: the factory builds a `HostSender` for Web devices."""
	repository = MemoryRepository(WEB_DEVICES)
	factory = SenderFactory()
	factory.register(DeviceMode.WEB, web_sender_builder(lambda: host_client))
	config = web_config("http://unused.invalid", **overrides)
	return MessageService(repository, config, factory, MemoryRateLimiter(), now=now)
