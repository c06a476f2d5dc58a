"""An in-memory NumberHealthRepository (services.number_health) for framework-free tests: the
devices and what is stored about their numbers."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from whatsapp_integration.core.errors import DeviceNotFound
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.senders.factory import DeviceProfile


@dataclass
class StoredNumber:
	health: NumberHealth
	checked_at: datetime | None = None
	error: str | None = None


class MemoryNumberHealthRepository:
	def __init__(self, devices: list[DeviceProfile]) -> None:
		self._lock = threading.Lock()
		self._devices = {device.name: device for device in devices}
		self.numbers: dict[str, StoredNumber] = {
			device.name: StoredNumber(NumberHealth()) for device in devices
		}

	def official_devices(self) -> list[str]:
		return [
			d.name
			for d in self._devices.values()
			if d.mode == DeviceMode.OFFICIAL and d.enabled and d.phone_number_id
		]

	def get_device(self, name: str | None) -> DeviceProfile:
		if name not in self._devices:
			raise DeviceNotFound(f"WhatsApp Device {name!r} does not exist.")
		return self._devices[name]

	def stored_health(self, device: str) -> NumberHealth:
		with self._lock:
			return self.numbers[device].health

	def save_health(self, device: str, health: NumberHealth, checked_at: datetime) -> None:
		with self._lock:
			self.numbers[device].health, self.numbers[device].checked_at = health, checked_at

	def save_check_error(self, device: str, error: str | None) -> None:
		with self._lock:
			self.numbers[device].error = error

	def devices_for_update(self, phone_number: str | None, waba_id: str | None) -> list[str]:
		official = [d for d in self._devices.values() if d.mode == DeviceMode.OFFICIAL]
		if phone_number:
			return [d.name for d in official if _digits(d.phone_number) == phone_number]
		return [d.name for d in official if waba_id and d.waba_id == waba_id]


def _digits(number: str | None) -> str:
	return "".join(character for character in number or "" if character.isdigit())
