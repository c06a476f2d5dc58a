"""The scheduler's WhatsApp Web session cleanup (services/web_sessions.py) against a real
redis-server and a real session host on a thread: a running host is asked to sweep; the
sessions a gone host left are STOPPED with the reason and alerted once."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.web_harness import web_config
from whatsapp_integration.core.operations.alerts import SESSION_HOST_DOWN, Incident
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.qr_service import SessionRecorder
from whatsapp_integration.services.web_sessions import RESTART_GRACE_SECONDS, SessionCleanup
from whatsapp_integration.session_host.client import HostClient
from whatsapp_integration.session_host.host import RelayListener, SessionHost, build_supervisor
from whatsapp_integration.session_host.pacing import RedisDailyCounter
from whatsapp_integration.testing.memory_web_sessions import MemoryWebSessionRepository

pytestmark = pytest.mark.redis
S = SessionState
STATES = {
	"Linked": S.WORKING,
	"Linking": S.STARTING,
	"Scanning": S.SCAN_QR_CODE,
	"Off": S.STOPPED,
	"Broken": S.FAILED,
}


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
	return redis.Redis.from_url(redis_url)


@pytest.fixture
def namespace() -> str:
	return f"test:{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def host_client(client: redis.Redis, namespace: str) -> HostClient:
	return HostClient(client, namespace)


@pytest.fixture
def repository() -> MemoryWebSessionRepository:
	"""One stored session per state, as the Devices show them."""
	repository = MemoryWebSessionRepository(
		[DeviceProfile(name=name, mode=DeviceMode.WEB) for name in STATES]
	)
	recorder = SessionRecorder(repository)
	for device, state in STATES.items():
		entered = Transition(state, 1000.0, "before")
		recorder.session_changed(SessionSnapshot(device, state, (entered,)), entered)
	return repository


class Alerts:
	def __init__(self) -> None:
		self.raised: list[Incident] = []

	def __call__(self, incident: Incident) -> None:
		self.raised.append(incident)


@pytest.fixture
def running_host(
	client: redis.Redis, namespace: str, host_client: HostClient, tmp_path: Path
) -> Iterator[SessionHost]:
	"""A session host without sessions on a thread; one command worker, so commands run in
	order after its first timer sweep; the timer does not sweep again during a test."""
	listener = RelayListener(SessionRecorder(MemoryWebSessionRepository([]))).start()
	config = web_config("http://unused.invalid", session_sweep_interval=3600.0)
	counter = RedisDailyCounter(client, namespace)
	supervisor, processes = build_supervisor(config, tmp_path, listener, counter)
	host = SessionHost(supervisor, client, namespace, processes, workers=1)
	thread = threading.Thread(target=host.run, daemon=True)
	thread.start()
	deadline = time.monotonic() + 20
	while not (host_client.is_running() and host_client.call("ping", timeout=5)):
		assert time.monotonic() < deadline, "the session host did not start"
		time.sleep(0.05)
	try:
		yield host
	finally:
		host.stopping.set()
		thread.join(30)
		listener.close()


def stop(host: SessionHost, host_client: HostClient) -> float:
	"""Stop the host like SIGTERM does; returns the time of its last heartbeat."""
	host.stopping.set()
	deadline = time.monotonic() + 20
	while host_client.is_running():
		assert time.monotonic() < deadline, "the session host did not stop"
		time.sleep(0.05)
	return host_client.last_heartbeat()["at"]


def states(repository: MemoryWebSessionRepository) -> dict[str, S]:
	return {device: stored.state for device, stored in repository.sessions.items()}


def test_a_running_host_is_asked_to_sweep_and_its_sessions_stay(
	running_host: SessionHost, host_client: HostClient, repository: MemoryWebSessionRepository, tmp_path: Path
) -> None:
	stale = tmp_path / "sent" / "stale.json"
	stale.parent.mkdir(exist_ok=True)
	stale.write_text('{"key": "k", "clicked_at": 0}')
	two_days_ago = time.time() - 2 * 86400
	os.utime(stale, (two_days_ago, two_days_ago))
	alerts = Alerts()
	result = SessionCleanup(repository, host_client, alerts).run()
	assert result.swept and result.stopped == []
	assert not stale.exists(), "the host's sweep forgets keys older than a day"
	assert states(repository) == STATES and alerts.raised == []


def test_sessions_a_gone_host_left_are_stopped_with_the_reason_and_alerted_once(
	running_host: SessionHost, host_client: HostClient, repository: MemoryWebSessionRepository
) -> None:
	last_seen = stop(running_host, host_client)
	alerts = Alerts()
	cleanup = SessionCleanup(
		repository, host_client, alerts, format_time=lambda at: f"<{at:.0f}>", now=lambda: last_seen + 300
	)
	result = cleanup.run()
	assert sorted(result.stopped) == ["Linked", "Linking", "Scanning"]
	assert states(repository) == {**STATES, "Linked": S.STOPPED, "Linking": S.STOPPED, "Scanning": S.STOPPED}
	reason = repository.sessions["Linked"].history[-1].reason
	assert f"session host is not running since <{last_seen:.0f}>" in reason
	assert repository.sessions["Off"].history[-1].reason == "before"
	assert [incident.kind for incident in alerts.raised] == [SESSION_HOST_DOWN]
	assert "Linked, Linking, Scanning" in alerts.raised[0].message
	assert cleanup.run().stopped == [] and len(alerts.raised) == 1


def test_a_host_restarting_within_the_grace_keeps_its_sessions(
	running_host: SessionHost, host_client: HostClient, repository: MemoryWebSessionRepository
) -> None:
	last_seen = stop(running_host, host_client)
	alerts = Alerts()
	soon = SessionCleanup(repository, host_client, alerts, now=lambda: last_seen + RESTART_GRACE_SECONDS - 5)
	assert soon.run().stopped == []
	assert states(repository) == STATES and alerts.raised == []


def test_without_any_heartbeat_on_record_the_sessions_are_stopped(
	host_client: HostClient, repository: MemoryWebSessionRepository
) -> None:
	alerts = Alerts()
	result = SessionCleanup(repository, host_client, alerts).run()
	assert sorted(result.stopped) == ["Linked", "Linking", "Scanning"] and not result.swept
	assert "not running (no heartbeat on record)" in repository.sessions["Scanning"].history[-1].reason
	assert "since an unknown time" in alerts.raised[0].message


def test_no_alert_when_a_gone_host_left_no_session(host_client: HostClient) -> None:
	alerts = Alerts()
	empty = MemoryWebSessionRepository([DeviceProfile(name="Off", mode=DeviceMode.WEB)])
	assert SessionCleanup(empty, host_client, alerts).run().stopped == []
	assert alerts.raised == []
