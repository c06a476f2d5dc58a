"""Linking and running WhatsApp Web devices.

Callers (API, desk) use `QrService`: it checks the device and sends the command to the session
host, which owns every browser. Inside the host, `SessionRecorder` is the supervisor's listener:
each state change and QR code is stored through the repository (the Device form reads it and
gets it pushed in realtime by the Frappe repository).
"""

from __future__ import annotations

from typing import Any

from whatsapp_integration.core.web.states import SessionSnapshot, Transition
from whatsapp_integration.services.web_session_repository import WebSessionRepository, check_web_device
from whatsapp_integration.session_host.client import HostClient


class QrService:
	def __init__(self, repository: WebSessionRepository, client: HostClient) -> None:
		self.repository = repository
		self.client = client

	def start_session(self, device: str) -> dict[str, Any]:
		"""Link (or restore) the device: STARTING now; the QR or WORKING follows by realtime."""
		return self._command("start", device, reason="Link requested")

	def relink(self, device: str) -> dict[str, Any]:
		"""Forget the old login and show a fresh QR code."""
		self._command("logout", device)
		return self._command("start", device, reason="Relink requested")

	def stop_session(self, device: str) -> dict[str, Any]:
		return self._command("stop", device, reason="Stopped by user")

	def logout(self, device: str) -> dict[str, Any]:
		return self._command("logout", device)

	def session_status(self, device: str) -> dict[str, Any]:
		"""The live session as the host sees it (with the QR as base64 PNG while one shows)."""
		status = self._command("status", device)
		status["host"] = self.client.heartbeat()
		return status

	def canary(self, device: str) -> dict[str, Any]:
		return self._command("canary", device)

	def _command(self, action: str, device: str, **args: Any) -> dict[str, Any]:
		check_web_device(self.repository.get_device(device))
		return self.client.call(action, device, **args)


class SessionRecorder:
	"""The supervisor's listener in the host: stores every change through the repository."""

	def __init__(self, repository: WebSessionRepository) -> None:
		self.repository = repository

	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		self.repository.save_session(snapshot, transition)
