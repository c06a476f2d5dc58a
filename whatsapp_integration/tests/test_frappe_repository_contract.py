"""The MessageRepository contract suite, run against the Frappe repository on a real site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.tests.repository_contract import MessageRepositoryContract
from whatsapp_integration.tests.utils import ensure_device


class TestFrappeMessageRepositoryContract(MessageRepositoryContract, FrappeTestCase):
	def make_repository(self) -> FrappeMessageRepository:
		return FrappeMessageRepository()

	def make_device(self, name: str, **fields: Any) -> None:
		fields["enabled"] = int(fields.get("enabled", True))
		fields["is_default"] = int(fields.get("is_default", False))
		ensure_device(name, **fields)

	def now(self) -> datetime:
		"""The site's clock (its time zone), which Frappe stamps `creation` with."""
		return now_datetime().replace(microsecond=0)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		super().tearDown()
