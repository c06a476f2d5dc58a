"""The record of one device's WhatsApp Web session, kept by the supervisor under its lock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.session_host.browser import ManagedDriver
from whatsapp_integration.session_host.qr import QrCapture


@dataclass(eq=False)
class DeviceSession:
	device: str
	state: SessionState = SessionState.STOPPED
	history: list[Transition] = field(default_factory=list)
	qr: QrCapture | None = None
	qr_png: bytes | None = None
	qr_at: float | None = None
	last_seen: float | None = None
	linked_number: str | None = None
	driver: ManagedDriver | None = None
	generation: int = 0
	phase_started: float = 0.0
	last_active: float = 0.0
	resume_on_send: bool = False
	send_lock: threading.Lock = field(default_factory=threading.Lock)

	def detach(self) -> ManagedDriver | None:
		"""End the current generation: its watcher stops acting; the browser is handed back."""
		self.generation += 1
		driver, self.driver = self.driver, None
		self.qr, self.qr_png = None, None
		return driver

	def snapshot(self) -> SessionSnapshot:
		return SessionSnapshot(
			device=self.device,
			state=self.state,
			history=tuple(self.history),
			qr_ref=self.qr.ref if self.qr else None,
			qr_png=self.qr_png,
			qr_at=self.qr_at,
			last_seen=self.last_seen,
			linked_number=self.linked_number,
		)
