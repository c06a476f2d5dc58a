"""Number health of official devices: read from Meta's phone number node on a schedule and
when asked, updated by Meta's quality and account webhooks, stored on the device, alerted on
a quality drop, a status that stops sending, a messaging limit change or an account event.

A check Meta could not answer for a passing reason (timeout, 5xx, throttling) changes nothing
stored; one it refused (expired token, no permission, unknown number) is stored as the device's
health error, which keeps campaigns off the device until a check works again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from whatsapp_integration.core.errors import ErrorAction, SendFailed, WhatsAppError
from whatsapp_integration.core.number_health import (
	PHONE_NUMBER_FIELDS,
	NumberHealth,
	apply_update,
	health_incidents,
	parse_phone_number,
)
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.webhook.numbers import NumberUpdate
from whatsapp_integration.senders.factory import DeviceProfile

_PASSING = (ErrorAction.RETRY, ErrorAction.THROTTLE)


class GraphReader(Protocol):
	def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]: ...


class NumberHealthRepository(Protocol):
	def official_devices(self) -> list[str]:
		"""Enabled Official devices with a phone number id."""
		...

	def get_device(self, name: str | None) -> DeviceProfile: ...

	def stored_health(self, device: str) -> NumberHealth: ...

	def save_health(self, device: str, health: NumberHealth, checked_at: datetime) -> None: ...

	def save_check_error(self, device: str, error: str | None) -> None:
		"""Why the last check failed (None: it worked)."""
		...

	def devices_for_update(self, phone_number: str | None, waba_id: str | None) -> list[str]:
		"""Official devices whose number has these digits; with no number, every device of the
		WhatsApp Business Account `waba_id`."""
		...


@dataclass(frozen=True)
class HealthCheck:
	device: str
	health: NumberHealth | None
	error: str | None = None
	passing: bool = False  # the error is a passing one (timeout, 5xx): nothing was stored


def read_number_health(client: GraphReader, phone_number_id: str) -> NumberHealth:
	"""GET the phone number node with its health fields; `GraphApiError` when Meta refuses."""
	return parse_phone_number(client.get(phone_number_id, {"fields": PHONE_NUMBER_FIELDS}))


class NumberHealthService:
	def __init__(
		self,
		repository: NumberHealthRepository,
		*,
		reader: Callable[[DeviceProfile], NumberHealth],
		alert: Callable[[Incident], None],
		now: Callable[[], datetime] = datetime.now,
	) -> None:
		self.repository = repository
		self._reader = reader
		self._alert = alert
		self._now = now

	def check(self, device: str) -> HealthCheck:
		"""Ask Meta now; stores nothing."""
		try:
			return HealthCheck(device, self._reader(self.repository.get_device(device)))
		except SendFailed as error:
			return HealthCheck(device, None, str(error), passing=error.action in _PASSING)
		except WhatsAppError as error:  # no token, no phone number id, unknown device
			return HealthCheck(device, None, str(error))

	def refresh(self, device: str) -> HealthCheck:
		"""Ask Meta, store the answer on the device and alert on what got worse."""
		result = self.check(device)
		if result.passing:
			return result
		self.repository.save_check_error(device, result.error)
		if result.health is not None:
			self._store(device, self.repository.stored_health(device), result.health)
		return result

	def refresh_all(self) -> list[HealthCheck]:
		return [self.refresh(device) for device in self.repository.official_devices()]

	def apply_update(self, update: NumberUpdate) -> int:
		"""Apply a webhook update to the devices it concerns; returns how many."""
		devices = self.repository.devices_for_update(update.phone_number, update.waba_id)
		for device in devices:
			before = self.repository.stored_health(device)
			self._store(device, before, apply_update(before, update), update)
		return len(devices)

	def _store(
		self, device: str, before: NumberHealth, health: NumberHealth, update: NumberUpdate | None = None
	) -> None:
		self.repository.save_health(device, health, self._now())
		for incident in health_incidents(device, before, health, update):
			self._alert(incident)
