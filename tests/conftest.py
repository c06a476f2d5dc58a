"""Shared fixtures of the framework-free (tier 1) tests.

Everything here is real: the fake Graph API is an HTTP server on 127.0.0.1, `redis_url` is a
`redis-server` process. Only time is injected (a `FakeClock`), so pacing and retry tests are
exact and fast.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.senders.media import MediaSources
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository

ACCESS_TOKEN = "EAAG-test-token-9f8e7d6c5b4a"
PHONE_NUMBER_ID = "106540352242922"
DEVICE_NAME = "Main Number"


class FakeClock:
	"""One injected time source for the service (`now`), the limiter (`monotonic`) and `sleep`."""

	def __init__(self, start: datetime = datetime(2026, 3, 2, 10, 0, 0)) -> None:
		self.current = start
		self.sleeps: list[float] = []

	def now(self) -> datetime:
		return self.current

	def monotonic(self) -> float:
		return self.current.timestamp()

	def advance(self, seconds: float) -> None:
		self.current += timedelta(seconds=seconds)

	def sleep(self, seconds: float) -> None:
		self.sleeps.append(seconds)
		self.advance(seconds)


@dataclass
class ServiceHarness:
	"""A `MessageService` wired to a `MemoryRepository`, the fake Graph API and a `FakeClock`."""

	service: MessageService
	repository: MemoryRepository
	clock: FakeClock
	graph: FakeGraphApi
	device: DeviceProfile
	config: WhatsAppConfig
	rand_values: list[float] = field(default_factory=list)


def free_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


def make_config(graph: FakeGraphApi, **overrides: Any) -> WhatsAppConfig:
	"""A config pointing at the fake Graph API, with a short timeout so failures stay fast."""
	values: dict[str, Any] = {
		"graph_api_base_url": graph.url,
		"access_token": ACCESS_TOKEN,
		"request_timeout": 5.0,
	}
	values.update(overrides)
	return WhatsAppConfig(**values)


def make_device(name: str = DEVICE_NAME, **overrides: Any) -> DeviceProfile:
	values: dict[str, Any] = {"phone_number_id": PHONE_NUMBER_ID, "phone_number": "+15550100001"}
	values.update(overrides)
	return DeviceProfile(name=name, **values)


@pytest.fixture(scope="session")
def fake_graph_server() -> Iterator[FakeGraphApi]:
	"""One fake Graph API for the session (stopping a server costs half a second)."""
	with FakeGraphApi(access_token=ACCESS_TOKEN) as api:
		yield api


@pytest.fixture
def fake_graph(fake_graph_server: FakeGraphApi) -> FakeGraphApi:
	"""The fake Graph API, reset for this test: no recorded requests, scripted failures or
	templates. It demands `ACCESS_TOKEN` like Meta demands a valid token."""
	fake_graph_server.reset()
	fake_graph_server.set_templates([])
	return fake_graph_server


@pytest.fixture
def clock() -> FakeClock:
	return FakeClock()


@pytest.fixture
def make_service(fake_graph: FakeGraphApi, clock: FakeClock) -> Callable[..., ServiceHarness]:
	"""Build a `ServiceHarness`: `make_service(device=..., customers_wrote=..., media=..., **config_overrides)`
	(`media`: how Cloud API senders read and upload the site's files).

	Jitter is fixed at 0.5 (so backoff equals its step) unless `rand_values` are given.
	"""

	def build(
		device: DeviceProfile | None = None,
		rand_values: list[float] | None = None,
		customers_wrote: bool = True,
		media: MediaSources | None = None,
		**overrides: Any,
	) -> ServiceHarness:
		device = device or make_device()
		config = make_config(fake_graph, **overrides)
		# Customers wrote just now (their 24 h window is open) unless a test says otherwise.
		repository = MemoryRepository([device], everyone_wrote_at=clock.now if customers_wrote else None)
		values = list(rand_values or [])
		service = MessageService(
			repository,
			config,
			SenderFactory(media),
			MemoryRateLimiter(clock=clock.monotonic),
			now=clock.now,
			sleep=clock.sleep,
			rand=lambda: values.pop(0) if values else 0.5,
		)
		return ServiceHarness(service, repository, clock, fake_graph, device, config, values)

	return build


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
	"""A real `redis-server` on a free port for the whole session, without persistence."""
	binary = shutil.which("redis-server")
	if binary is None:
		pytest.skip("redis-server is not installed (scripts/test.sh installs it with apt)")
	directory = tmp_path_factory.mktemp("redis")
	port = free_port()
	options = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", ""]
	options += ["--appendonly", "no", "--daemonize", "no", "--logfile", str(directory / "redis.log")]
	process = subprocess.Popen(
		[binary, *options],
		cwd=directory,
		stdout=subprocess.DEVNULL,
		stderr=subprocess.STDOUT,
	)
	try:
		_wait_for_redis(port, process, directory / "redis.log")
		yield f"redis://127.0.0.1:{port}/0"
	finally:
		process.terminate()
		try:
			process.wait(timeout=10)
		except subprocess.TimeoutExpired:
			process.kill()
			process.wait()


def _wait_for_redis(port: int, process: subprocess.Popen, log: Path, timeout: float = 10.0) -> None:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if process.poll() is not None:
			log_text = log.read_text() if log.exists() else ""
			raise RuntimeError(f"redis-server exited with {process.returncode}:\n{log_text}")
		try:
			with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
				connection.sendall(b"PING\r\n")
				if connection.recv(16).startswith(b"+PONG"):
					return
		except OSError:
			time.sleep(0.05)
	raise RuntimeError(f"redis-server did not answer on port {port} within {timeout:g} s")
