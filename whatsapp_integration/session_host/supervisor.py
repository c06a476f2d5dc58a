"""The session supervisor: one WhatsApp Web session per device, explicit states, one lock.

Every state change happens under the supervisor's lock, is checked against the allowed moves
(`states.check_move`), appended to the session's time-stamped history and reported to the
listener. Each start gets a generation number and a watcher thread (`linking.LinkWatcher`) that
reports back here; a watcher whose generation is no longer current stops touching the session, which is how stop/start races stay harmless. Browser work
(starting, page reads) runs outside the supervisor lock under the browser's own lock.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import WebSessionLoggedOut, WebSessionNotReady, WhatsAppError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.web.selectors import CanaryReport, SelectorRegistry, run_canary
from whatsapp_integration.core.web.states import (
	ACTIVE_STATES,
	HISTORY_LIMIT,
	SessionSnapshot,
	SessionState,
	Transition,
	check_move,
)
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.session_host.browser import ManagedDriver
from whatsapp_integration.session_host.device_session import DeviceSession
from whatsapp_integration.session_host.linking import LinkWatcher
from whatsapp_integration.session_host.pacing import SendPacer
from whatsapp_integration.session_host.page import PageKind, probe
from whatsapp_integration.session_host.pool import DriverPool
from whatsapp_integration.session_host.qr import QrCapture, render_qr
from whatsapp_integration.session_host.send_guard import SendGuard, not_ready
from whatsapp_integration.session_host.sender import WebSender
from whatsapp_integration.session_host.sent_keys import SentKeys

logger = logging.getLogger(__name__)


class SessionListener(Protocol):
	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		"""Called under the supervisor lock on every transition (`transition` set) and QR
		change (`transition` None): hand the work to a queue, do not block."""
		...


class SessionSupervisor:
	def __init__(
		self,
		config: WhatsAppConfig,
		pool: DriverPool,
		selectors: SelectorRegistry,
		profiles_root: Path,
		listener: SessionListener,
		pacer: SendPacer,
		sent_keys: SentKeys,
		*,
		poll_interval: float = 0.2,
		clock: Callable[[], float] = time.time,
		monotonic: Callable[[], float] = time.monotonic,
	) -> None:
		self.config = config
		self.pool = pool
		self.selectors = selectors
		self.profiles_root = profiles_root
		self._listener = listener
		self.pacer = pacer
		self.sent_keys = sent_keys
		self._poll = poll_interval
		self._clock = clock
		self._monotonic = monotonic
		self._sessions: dict[str, DeviceSession] = {}
		self._lock = threading.RLock()
		self._closing = threading.Event()

	# Commands

	def start(self, device: str, reason: str = "Link requested") -> SessionSnapshot:
		"""STOPPED/FAILED -> STARTING, then a watcher opens WhatsApp Web in a pooled browser."""
		with self._lock:
			session = self._sessions.setdefault(device, DeviceSession(device))
			self._move(session, SessionState.STARTING, reason)
			session.generation += 1
			session.qr, session.qr_png, session.qr_at = None, None, None
			session.resume_on_send = False
			generation = session.generation
			snapshot = session.snapshot()
		watcher = LinkWatcher(self, session, generation, poll_interval=self._poll, monotonic=self._monotonic)
		threading.Thread(target=watcher.run, name=f"whatsapp-web:{device}", daemon=True).start()
		return snapshot

	def stop(self, device: str, reason: str = "Stopped by user") -> SessionSnapshot:
		"""Any active or failed state -> STOPPED; the browser goes back to the pool, warm."""
		with self._lock:
			session = self._sessions.setdefault(device, DeviceSession(device))
			self._move(session, SessionState.STOPPED, reason)
			driver = session.detach()
			snapshot = session.snapshot()
		self.park(driver)
		return snapshot

	def logout(self, device: str) -> SessionSnapshot:
		"""Stop the session, quit its browser and wipe its profile: the next link needs a scan."""
		with self._lock:
			session = self._sessions.setdefault(device, DeviceSession(device))
			if session.state is not SessionState.STOPPED:
				self._move(session, SessionState.STOPPED, "Logged out: the browser profile was wiped")
			driver = session.detach()
			snapshot = session.snapshot()
		if driver is not None:
			self.pool.release(driver, reusable=False)
		self.pool.discard(self.profile_dir(device))
		shutil.rmtree(self.profile_dir(device), ignore_errors=True)
		return snapshot

	def status(self, device: str) -> SessionSnapshot:
		with self._lock:
			return (self._sessions.get(device) or DeviceSession(device)).snapshot()

	def snapshots(self) -> list[SessionSnapshot]:
		with self._lock:
			return [session.snapshot() for session in self._sessions.values()]

	def wait_for(self, device: str, states: set[SessionState], timeout: float) -> SessionSnapshot:
		"""Poll until the session is in one of `states` (or `timeout` passes); returns the last snapshot."""
		deadline = time.monotonic() + timeout
		snapshot = self.status(device)
		while snapshot.state not in states and time.monotonic() < deadline:
			time.sleep(min(self._poll, 0.05))
			snapshot = self.status(device)
		return snapshot

	def send_text(
		self, device: str, to: str, text: str, max_wait: float, guard: SendGuard | None = None
	) -> SendReceipt:
		"""Send through the device's WORKING session; the click waits for its pacing slot. The
		`guard` refuses a click after the caller's deadline and a key clicked before."""
		guard = guard or SendGuard(self.sent_keys)
		session = self._ensure_working(device)
		with guard.turn(session.send_lock):
			earlier = guard.earlier_receipt()
			if earlier is not None:
				return earlier
			driver = self.working(device).driver
			web = functools.partial(
				WebSender, driver, self.config.web_base_url, self.selectors, self.config.element_timeout
			)
			try:
				receipt = guard.send(web, self.pacer, device, to, text, max_wait)
			except WebSessionLoggedOut as error:
				self.fail(session, session.generation, error.reason)
				raise
		with self._lock:
			session.last_seen, session.last_active = self._clock(), self._monotonic()
		return receipt

	def canary(self, device: str, selectors: SelectorRegistry | None = None) -> CanaryReport:
		"""Check the selectors (ours, or `selectors`) of the page the device's browser shows now
		(and those of an open chat's incoming messages when one is open)."""
		selectors = selectors or self.selectors
		with self._lock:
			session = self._sessions.get(device)
		driver = session.driver if session else None
		if driver is None:
			raise WebSessionNotReady(
				_("Device {device} has no open WhatsApp Web session to check.").format(device=device)
			)

		with driver.lock:
			view = probe(driver.webdriver, self.selectors)
			pages = ("main", "chat_in") if view.incoming else ("main",)
			return run_canary(
				driver.webdriver, selectors, *(pages if view.kind is PageKind.LOGGED_IN else ("login",))
			)

	def sweep(self) -> None:
		"""Close idle WORKING sessions, fail sessions whose browser died, quit stale idle browsers."""
		idle_after = self.config.idle_session_timeout
		with self._lock:
			sessions = list(self._sessions.values())
		for session in sessions:
			if session.state is SessionState.WORKING and self._monotonic() - session.last_active > idle_after:
				self._stop_quietly(session, f"Closed after {idle_after:g} s without activity")
				session.resume_on_send = True
			elif session.state in ACTIVE_STATES and session.driver is not None and not session.driver.alive():
				self.fail(session, session.generation, "The browser of this session stopped unexpectedly")
		self.pool.sweep(idle_after)
		self.sent_keys.sweep()

	def reconfigure(self, config: WhatsAppConfig) -> None:
		"""Apply changed Settings while running. Timeouts, TTLs, the base URL and pacing apply at
		once, the pool size too (idle browsers over it are quit); browser options (Chrome options,
		user agent, Grid URL) apply to browsers started from now on."""
		with self._lock:
			self.config = config
		self.pacer.configure(
			config.web_min_send_gap_seconds, config.web_send_jitter_seconds, config.web_daily_cap
		)
		self.pool.resize(config.driver_pool_size)

	def shutdown(self) -> None:
		"""Quit every browser. States are not changed: WORKING sessions are restored on restart."""
		self._closing.set()
		self.pool.close()

	def profile_dir(self, device: str) -> Path:
		slug = re.sub(r"[^A-Za-z0-9_-]+", "-", device).strip("-")[:40] or "device"
		return self.profiles_root / f"{slug}-{hashlib.sha1(device.encode()).hexdigest()[:8]}"

	# Reports of a start's LinkWatcher (linking.LinkTarget)

	def attach(self, session: DeviceSession, generation: int, driver: ManagedDriver) -> bool:
		with self._lock:
			if session.generation != generation:
				return False
			session.driver = driver
			return True

	def current(self, session: DeviceSession, generation: int) -> bool:
		"""Whether a watcher of `generation` may still act (not once the host shuts down)."""
		with self._lock:
			return session.generation == generation and not self._closing.is_set()

	def show_qr(self, session: DeviceSession, generation: int, capture: QrCapture) -> None:
		if session.qr is not None and session.qr.key == capture.key:
			return
		png = render_qr(capture)
		with self._lock:
			if session.generation != generation:
				return
			session.qr, session.qr_png, session.qr_at = capture, png, self._clock()
			if session.state is SessionState.STARTING:
				self._move(session, SessionState.SCAN_QR_CODE, "Scan the QR code with the phone")
			else:
				self._listener.session_changed(session.snapshot(), None)

	def linked(self, session: DeviceSession, generation: int, number: str | None) -> None:
		with self._lock:
			if session.generation != generation:
				return
			session.qr, session.qr_png, session.linked_number = None, None, number
			session.last_seen, session.last_active = self._clock(), self._monotonic()
			self._move(session, SessionState.WORKING, "Linked")

	def fail(self, session: DeviceSession, generation: int, reason: str) -> bool:
		with self._lock:
			if not self.current(session, generation) or session.state not in ACTIVE_STATES:
				return False
			self._move(session, SessionState.FAILED, reason)
			driver = session.detach()
		logger.warning("WhatsApp Web session %s failed: %s", session.device, reason)
		self.park(driver)
		return True

	def park(self, driver: ManagedDriver | None) -> None:
		"""Back to the pool on a blank page (or quit, if the browser no longer answers)."""
		if driver is None:
			return
		try:
			with driver.lock:
				driver.webdriver.get("about:blank")
		except Exception:  # a dead chromedriver raises urllib3 errors, not WebDriverException
			self.pool.release(driver, reusable=False)
			return
		self.pool.release(driver)

	# Helpers (_move expects the lock to be held)

	def _move(self, session: DeviceSession, target: SessionState, reason: str) -> None:
		check_move(session.device, session.state, target)
		transition = Transition(target, self._clock(), reason)
		session.state = target
		session.history = [*session.history, transition][-HISTORY_LIMIT:]
		session.phase_started = self._monotonic()
		self._listener.session_changed(session.snapshot(), transition)

	def _stop_quietly(self, session: DeviceSession, reason: str) -> None:
		try:
			self.stop(session.device, reason)
		except WhatsAppError:
			return

	def _ensure_working(self, device: str) -> DeviceSession:
		"""The device's WORKING session; one the sweep closed for idleness is restarted from
		its saved login first (waiting up to the element timeout)."""
		with self._lock:
			session = self._sessions.get(device)
			resume = session is not None and session.resume_on_send and session.state is SessionState.STOPPED
		if resume:
			self._resume(device)
		with self._lock:
			session = self._sessions.get(device)
			if session is None or session.state is not SessionState.WORKING:
				raise WebSessionNotReady(
					not_ready(device, session.state if session else SessionState.STOPPED)
				)
			return session

	def _resume(self, device: str) -> None:
		try:
			self.start(device, "Restarted from the saved login to send a message")
		except WhatsAppError:
			return
		settled = {SessionState.WORKING, SessionState.FAILED, SessionState.SCAN_QR_CODE}
		self.wait_for(device, settled, self.config.element_timeout)

	def working(self, device: str) -> DeviceSession:
		"""The device's WORKING session with its browser (sends and the receiver use it under its
		`send_lock`); `WebSessionNotReady` otherwise. Never restarts a closed session."""
		with self._lock:
			session = self._sessions.get(device)
			if session is None or session.state is not SessionState.WORKING or session.driver is None:
				raise WebSessionNotReady(
					not_ready(device, session.state if session else SessionState.STOPPED)
				)
			return session
