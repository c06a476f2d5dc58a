"""`bench whatsapp doctor`: gathers the facts of every check through readers (the site's
Frappe/Redis state, Meta's Graph API with each device's token) and judges them with the rules of
`core.operations.doctor`. Every probe is isolated: one that cannot run is a failure of its own
check and never hides the others. Tokens are used for the requests and never appear in a finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import WhatsAppError
from whatsapp_integration.core.graph_api import GraphReader
from whatsapp_integration.core.i18n import _, sentence_of
from whatsapp_integration.core.operations import doctor as rules
from whatsapp_integration.core.operations.doctor import OK, Finding
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.services.number_health import read_number_health


@dataclass(frozen=True)
class DoctorDevice:
	name: str
	mode: str
	enabled: bool
	phone_number_id: str | None = None
	waba_id: str | None = None
	web_state: str | None = None
	is_default: bool = False


@dataclass(frozen=True)
class InboxBacklog:
	queued: int
	oldest_age: float | None
	failed: int


class DoctorReaders(Protocol):
	"""The site's facts (`operations/doctor.py`; in memory in the tests)."""

	def devices(self) -> list[DoctorDevice]: ...

	def token(self, device: str) -> str:
		"""The device's own access token, else the Settings' one ("" when neither is set)."""
		...

	def scheduler(self) -> tuple[bool, float | None]:
		"""Enabled, and seconds since the last scheduled job ran (None: never)."""
		...

	def worker_count(self) -> int: ...

	def heartbeat_age(self) -> float | None:
		"""Seconds since the session host's last heartbeat (None: none)."""
		...

	def inbox_backlog(self) -> InboxBacklog: ...


class Doctor:
	def __init__(
		self,
		readers: DoctorReaders,
		config: WhatsAppConfig,
		*,
		graph: Callable[[str], GraphReader],
		now: Callable[[], datetime],
	) -> None:
		"""`graph(token)` is a Graph API reader sending `token`; `now` is aware (UTC)."""
		self.readers = readers
		self.config = config
		self._graph = graph
		self._now = now

	def run(self) -> list[Finding]:
		devices = [device for device in self.readers.devices() if device.enabled]
		official = [device for device in devices if device.mode == DeviceMode.OFFICIAL]
		findings = [self._settings(devices, official)]
		findings += rules.webhook_secrets(
			bool(self.config.app_secret), bool(self.config.webhook_verify_token)
		)
		findings += self._site()
		for device in official:
			findings += self._official(device)
		web = [device for device in devices if device.mode == DeviceMode.WEB]
		if web:
			findings.append(
				self._check("session_host", lambda: rules.session_host_finding(self.readers.heartbeat_age()))
			)
			findings += [rules.web_session_finding(device.name, device.web_state) for device in web]
		findings += [
			Finding(f"sandbox:{device.name}", OK, _("Sandbox device: nothing leaves the site."))
			for device in devices
			if device.mode == DeviceMode.SANDBOX
		]
		return findings

	def _settings(self, devices: list[DoctorDevice], official: list[DoctorDevice]) -> Finding:
		def check() -> Finding:
			tokens = all(self.readers.token(device.name) for device in official)
			default = any(device.is_default for device in devices)
			return rules.settings_complete(tokens, bool(official), len(devices), default)

		return self._check("settings", check)

	def _site(self) -> list[Finding]:
		def scheduler() -> Finding:
			return rules.scheduler_finding(*self.readers.scheduler())

		def inbox() -> Finding:
			backlog = self.readers.inbox_backlog()
			return rules.inbox_finding(backlog.queued, backlog.oldest_age, backlog.failed)

		return [
			self._check("scheduler", scheduler),
			self._check("workers", lambda: rules.workers_finding(self.readers.worker_count())),
			self._check("webhook_inbox", inbox),
		]

	def _official(self, device: DoctorDevice) -> list[Finding]:
		token = self.readers.token(device.name)
		if not token or not device.phone_number_id:
			return []  # the settings check names what is missing
		client = self._graph(token)
		findings = [
			self._check(
				f"token:{device.name}",
				lambda: rules.token_finding(
					device.name, client.get("debug_token", {"input_token": token}), self._now()
				),
			),
			self._check(
				f"number:{device.name}",
				lambda: rules.number_finding(
					device.name, read_number_health(client, device.phone_number_id or "")
				),
			),
		]
		if not device.waba_id:
			return [*findings, rules.waba_missing(device.name)]

		def subscription() -> Finding:
			waba_id = device.waba_id or ""
			return rules.subscription_finding(device.name, waba_id, client.get(f"{waba_id}/subscribed_apps"))

		return [*findings, self._check(f"subscribed:{device.name}", subscription)]

	def _check(self, name: str, check: Callable[[], Finding]) -> Finding:
		try:
			return check()
		except WhatsAppError as error:  # Meta refused (its code and advice are in the text), or a setup gap
			return rules.check_failed(name, sentence_of(error))
		except Exception as error:
			return rules.check_failed(
				name, _("the check could not run ({error})").format(error=type(error).__name__)
			)
