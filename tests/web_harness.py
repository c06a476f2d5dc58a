"""Helpers of the WhatsApp Web tests: a supervisor wired to real headless Chromium and the
fake WhatsApp Web page, a listener that records what the Device would receive, and a
monotonic clock the test can move forward (for TTL and idle expiry)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.session_host.host import build_supervisor
from whatsapp_integration.session_host.pacing import MemoryDailyCounter
from whatsapp_integration.session_host.processes import ProcessRegistry
from whatsapp_integration.session_host.supervisor import SessionSupervisor
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb

SETTLED = {SessionState.SCAN_QR_CODE, SessionState.WORKING, SessionState.FAILED, SessionState.STOPPED}


class RecordingListener:
	def __init__(self) -> None:
		self.events: list[tuple[SessionSnapshot, Transition | None]] = []
		self._lock = threading.Lock()

	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		with self._lock:
			self.events.append((snapshot, transition))

	def states(self, device: str) -> list[str]:
		with self._lock:
			return [t.state.value for s, t in self.events if t is not None and s.device == device]

	def qr_refs(self, device: str) -> list[str]:
		with self._lock:
			return [s.qr_ref for s, _ in self.events if s.device == device and s.qr_ref]


class OffsetClock:
	"""`time.monotonic()` plus whatever the test skipped with `advance`."""

	def __init__(self) -> None:
		self.offset = 0.0

	def __call__(self) -> float:
		return time.monotonic() + self.offset

	def advance(self, seconds: float) -> None:
		self.offset += seconds


def web_config(base_url: str, **overrides: Any) -> WhatsAppConfig:
	values: dict[str, Any] = {
		"web_base_url": base_url,
		"page_load_timeout": 20.0,
		"element_timeout": 5.0,
		"qr_session_ttl": 60.0,
		"idle_session_timeout": 600.0,
		"driver_pool_size": 4,
		"web_min_send_gap_seconds": 0.0,
		"web_send_jitter_seconds": 0.0,
	}
	values.update(overrides)
	return WhatsAppConfig(**values)


@dataclass
class WebHarness:
	supervisor: SessionSupervisor
	processes: ProcessRegistry
	listener: RecordingListener
	clock: OffsetClock
	web: FakeWhatsAppWeb
	state_dir: Path
	config: WhatsAppConfig
	extra: dict[str, Any] = field(default_factory=dict)

	def wait(self, device: str, *states: SessionState, timeout: float = 20.0) -> SessionSnapshot:
		return self.supervisor.wait_for(device, set(states) or SETTLED, timeout)

	def link(self, device: str) -> SessionSnapshot:
		"""Start, wait for the QR, scan it like a phone would, wait for WORKING."""
		self.supervisor.start(device)
		shown = self.wait(device, SessionState.SCAN_QR_CODE, SessionState.WORKING, SessionState.FAILED)
		if shown.state is SessionState.SCAN_QR_CODE:
			assert self.web.scan(shown.qr_ref or ""), "the captured code is not the one the page shows"
		linked = self.wait(device, SessionState.WORKING, SessionState.FAILED)
		assert linked.state is SessionState.WORKING, linked.reason
		return linked

	def settled_pool(self, timeout: float = 20.0) -> dict[str, int]:
		"""The pool's counts once no browser is busy or starting (released browsers park first)."""
		deadline = time.monotonic() + timeout
		counts = self.supervisor.pool.counts()
		while (counts["busy"] or counts["starting"]) and time.monotonic() < deadline:
			time.sleep(0.05)
			counts = self.supervisor.pool.counts()
		return counts

	def close(self) -> None:
		self.supervisor.shutdown()


def make_harness(web: FakeWhatsAppWeb, state_dir: Path, **overrides: Any) -> WebHarness:
	config = web_config(web.url, **overrides)
	listener, clock = RecordingListener(), OffsetClock()
	supervisor, processes = build_supervisor(
		config, state_dir, listener, MemoryDailyCounter(), monotonic=clock
	)
	return WebHarness(supervisor, processes, listener, clock, web, state_dir, config)
