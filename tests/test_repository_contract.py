"""The MessageRepository contract suite, run against MemoryRepository."""

from __future__ import annotations

import unittest
from typing import Any

from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.testing.memory_repository import MemoryRepository
from whatsapp_integration.tests.repository_contract import MessageRepositoryContract


class TestMemoryRepositoryContract(MessageRepositoryContract, unittest.TestCase):
	def make_repository(self) -> MemoryRepository:
		return MemoryRepository()

	def make_device(self, name: str, **fields: Any) -> None:
		is_default = bool(fields.pop("is_default", False))
		self.repository.add_device(DeviceProfile(name, **fields), default=is_default)
