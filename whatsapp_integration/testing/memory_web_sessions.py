"""WhatsApp Web sessions kept in memory (`services.web_session_repository.WebSessionRepository`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from whatsapp_integration.core.errors import DeviceNotFound
from whatsapp_integration.core.web.states import (
	HISTORY_LIMIT,
	SessionSnapshot,
	SessionState,
	Transition,
	device_status,
)
from whatsapp_integration.senders.factory import DeviceProfile


@dataclass
class StoredSession:
	state: SessionState = SessionState.STOPPED
	history: list[Transition] = field(default_factory=list)
	qr_png: bytes | None = None
	last_seen: float | None = None

	@property
	def device_status(self) -> str:
		return device_status(self.state)


class MemoryWebSessionRepository:
	def __init__(self, devices: list[DeviceProfile]) -> None:
		self.devices = {device.name: device for device in devices}
		self.sessions: dict[str, StoredSession] = {}
		self._lock = threading.Lock()

	def get_device(self, name: str) -> DeviceProfile:
		if name not in self.devices:
			raise DeviceNotFound(f"There is no WhatsApp Device named {name}.")
		return self.devices[name]

	def save_session(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		with self._lock:
			stored = self.sessions.setdefault(snapshot.device, StoredSession())
			stored.state, stored.qr_png, stored.last_seen = (
				snapshot.state,
				snapshot.qr_png,
				snapshot.last_seen,
			)
			if transition is not None:
				stored.history = [*stored.history, transition][-HISTORY_LIMIT:]

	def stop_sessions(self, states: Iterable[SessionState], reason: str) -> list[str]:
		left = set(states)
		with self._lock:
			devices = [name for name, stored in self.sessions.items() if stored.state in left]
			for name in devices:
				stored = self.sessions[name]
				stored.state, stored.qr_png = SessionState.STOPPED, None
				stored.history = [*stored.history, Transition(SessionState.STOPPED, time.time(), reason)]
		return devices

	def restorable_devices(self) -> list[str]:
		with self._lock:
			return [
				name
				for name, stored in self.sessions.items()
				if stored.state is SessionState.WORKING
				and name in self.devices
				and self.devices[name].enabled
			]
