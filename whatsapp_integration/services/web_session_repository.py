"""What the WhatsApp Web side needs from the site's data, as a small typed interface.

`FrappeWebSessionRepository` (whatsapp_integration.repositories.web_sessions) stores sessions
on the WhatsApp Device; `testing.memory_web_sessions.MemoryWebSessionRepository` keeps them in
memory for tier-1 tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from whatsapp_integration.core.errors import ConfigurationError, DeviceUnavailable
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.senders.factory import DeviceProfile


class WebSessionRepository(Protocol):
	def get_device(self, name: str) -> DeviceProfile:
		"""The named device; raises `DeviceNotFound`."""
		...

	def save_session(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		"""Store the session's state, QR and last seen; append `transition` to its history."""
		...

	def restorable_devices(self) -> list[str]:
		"""Enabled Web devices whose session was WORKING when the host last ran."""
		...

	def stop_sessions(self, states: Iterable[SessionState], reason: str) -> list[str]:
		"""Mark the sessions stored in one of `states` STOPPED with `reason` (a host that is gone
		left them: their browser and QR are gone too); returns their devices."""
		...


def check_web_device(device: DeviceProfile) -> DeviceProfile:
	"""`device`, if it is an enabled WhatsApp Web device; a clear error otherwise."""
	if device.mode != DeviceMode.WEB:
		raise ConfigurationError(
			_(
				"Device {device} uses {mode} mode; only WhatsApp Web devices are linked with a QR code."
			).format(device=device.name, mode=device.mode)
		)
	if not device.enabled:
		raise DeviceUnavailable(
			_("Device {device} is disabled. Enable it before linking.").format(device=device.name)
		)

	return device
