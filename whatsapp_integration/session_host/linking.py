"""The watcher of one start: it opens WhatsApp Web in a pooled browser and reads the page until
the phone links it (showing each new QR code on the way) or the start times out.

The watcher changes no state itself. It reports to its `LinkTarget` (the supervisor), which
changes states under its lock and tells whether this start's generation is still current.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import WhatsAppError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.web.selectors import SelectorRegistry
from whatsapp_integration.core.web.states import SessionState
from whatsapp_integration.session_host.browser import ManagedDriver
from whatsapp_integration.session_host.device_session import DeviceSession
from whatsapp_integration.session_host.page import PageKind, linked_number, probe
from whatsapp_integration.session_host.pool import DriverPool
from whatsapp_integration.session_host.qr import QrCapture, capture_qr


class LinkTarget(Protocol):
	"""What a watcher reads its settings from and reports to."""

	config: WhatsAppConfig
	pool: DriverPool
	selectors: SelectorRegistry

	def profile_dir(self, device: str) -> Path: ...
	def attach(self, session: DeviceSession, generation: int, driver: ManagedDriver) -> bool: ...
	def current(self, session: DeviceSession, generation: int) -> bool: ...
	def show_qr(self, session: DeviceSession, generation: int, capture: QrCapture) -> None: ...
	def linked(self, session: DeviceSession, generation: int, number: str | None) -> None: ...
	def fail(self, session: DeviceSession, generation: int, reason: str) -> bool: ...
	def park(self, driver: ManagedDriver | None) -> None: ...


class LinkWatcher:
	def __init__(
		self,
		target: LinkTarget,
		session: DeviceSession,
		generation: int,
		*,
		poll_interval: float,
		monotonic: Callable[[], float],
	) -> None:
		self.target = target
		self.session = session
		self.generation = generation
		self._poll = poll_interval
		self._monotonic = monotonic

	def run(self) -> None:
		target, session, generation = self.target, self.session, self.generation
		try:
			driver = target.pool.acquire(target.profile_dir(session.device))
		except WhatsAppError as error:
			target.fail(session, generation, str(error))
			return
		except Exception as error:
			target.fail(
				session, generation, _("The browser could not start: {error}").format(error=str(error))
			)
			return
		if not target.attach(session, generation, driver):
			target.park(driver)
			return
		try:
			with driver.lock:
				driver.webdriver.get(target.config.web_base_url)
			self._watch(driver)
		except Exception as error:
			target.fail(
				session,
				generation,
				_("The browser failed: {error}").format(error=getattr(error, "msg", None) or str(error)),
			)

	def _watch(self, driver: ManagedDriver) -> None:
		target, session, generation = self.target, self.session, self.generation
		while target.current(session, generation):
			with driver.lock:
				view = probe(driver.webdriver, target.selectors)
				capture = capture_qr(driver.webdriver, view, target.selectors)
				number = linked_number(driver.webdriver) if view.kind is PageKind.LOGGED_IN else None
			if view.kind is PageKind.LOGGED_IN:
				target.linked(session, generation, number)
				return
			if capture is not None:
				target.show_qr(session, generation, capture)
			if self._expired():
				return
			time.sleep(self._poll)

	def _expired(self) -> bool:
		"""Fail a start that waits too long: for the page to load, or for the QR to be scanned."""
		config, session = self.target.config, self.session
		elapsed = self._monotonic() - session.phase_started
		if session.state is SessionState.STARTING:
			limit = config.page_load_timeout
			message = _("WhatsApp Web did not load within {limit:g} s. Click Link to try again.")
		else:
			limit = config.qr_session_ttl
			message = _("The QR code was not scanned within {limit:g} s. Click Link to try again.")
		if elapsed <= limit:
			return False
		return self.target.fail(session, self.generation, message.format(limit=limit))
