"""`DoctorReaders` from plain values, for the framework-free tests of the doctor."""

from __future__ import annotations

from dataclasses import dataclass, field

from whatsapp_integration.services.doctor import DoctorDevice, InboxBacklog


@dataclass
class MemoryDoctorReaders:
	device_list: list[DoctorDevice] = field(default_factory=list)
	tokens: dict[str, str] = field(default_factory=dict)
	settings_token: str = ""
	scheduler_state: tuple[bool, float | None] = (True, 30.0)
	workers: int = 2
	heartbeat: float | None = 5.0
	backlog: InboxBacklog = field(default_factory=lambda: InboxBacklog(0, None, 0))

	def devices(self) -> list[DoctorDevice]:
		return list(self.device_list)

	def token(self, device: str) -> str:
		return self.tokens.get(device) or self.settings_token

	def scheduler(self) -> tuple[bool, float | None]:
		return self.scheduler_state

	def worker_count(self) -> int:
		return self.workers

	def heartbeat_age(self) -> float | None:
		return self.heartbeat

	def inbox_backlog(self) -> InboxBacklog:
		return self.backlog
