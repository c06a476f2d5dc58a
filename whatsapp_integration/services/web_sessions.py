"""Cleaning up WhatsApp Web sessions from the site's side (the scheduler runs it every few minutes).

The session host sweeps its own sessions on a timer (idle ones closed, dead browsers failed).
`SessionCleanup` adds the part the host cannot do: while the host runs it is asked to sweep now;
once its heartbeat is gone, the sessions it left linked or linking are marked STOPPED with the
reason (their browsers are gone with it) and WhatsApp Managers are alerted, once per incident.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.operations.alerts import Incident, session_host_down_incident
from whatsapp_integration.core.web.states import ACTIVE_STATES
from whatsapp_integration.services.web_session_repository import WebSessionRepository
from whatsapp_integration.session_host.client import HostClient

# A host being restarted (deploy, `bench restart`) is back within this many seconds of its
# last heartbeat: its sessions are left as they are, so it restores the WORKING ones.
RESTART_GRACE_SECONDS = 120.0
SWEEP_TIMEOUT = 30.0


@dataclass(frozen=True)
class CleanupResult:
	swept: bool = False
	"""The host was running and swept its sessions."""
	stopped: list[str] = field(default_factory=list)
	"""Devices whose sessions a gone host left, now STOPPED."""


def local_time(epoch: float) -> str:
	return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def host_gone_reason(since: str | None) -> str:
	if since:
		return _("The session host is not running since {since}; start it, then click Link.").format(
			since=since
		)
	return _("The session host is not running (no heartbeat on record); start it, then click Link.")


class SessionCleanup:
	def __init__(
		self,
		repository: WebSessionRepository,
		host: HostClient,
		alert: Callable[[Incident], None],
		*,
		format_time: Callable[[float], str] = local_time,
		now: Callable[[], float] = time.time,
		restart_grace: float = RESTART_GRACE_SECONDS,
	) -> None:
		"""`alert` raises an incident (de-duplicated by the caller's alert machinery);
		`format_time` shows an epoch time as the site's users read it."""
		self.repository = repository
		self.host = host
		self.alert = alert
		self.format_time = format_time
		self.now = now
		self.restart_grace = restart_grace

	def run(self) -> CleanupResult:
		if self.host.is_running():
			self.host.call("sweep", timeout=SWEEP_TIMEOUT)
			return CleanupResult(swept=True)
		beat = self.host.last_heartbeat()
		last_seen = float(beat["at"]) if beat and beat.get("at") else None
		if last_seen is not None and self.now() - last_seen < self.restart_grace:
			return CleanupResult()
		since = self.format_time(last_seen) if last_seen is not None else None
		stopped = self.repository.stop_sessions(ACTIVE_STATES, host_gone_reason(since))
		if stopped:
			self.alert(session_host_down_incident(stopped, since or _("an unknown time")))

		return CleanupResult(stopped=stopped)
