"""The data the services need, as a small typed interface.

`FrappeRepository` (whatsapp_integration.repository) implements it on the site's database;
`MemoryRepository` implements it in memory for framework-free tests and benchmarks. One
contract test suite (whatsapp_integration.tests.repository_contract) runs against both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from whatsapp_integration.core.records import MessageRecord, SendOutcome
from whatsapp_integration.core.templates.components import TemplateVariables
from whatsapp_integration.senders.factory import DeviceProfile


class TemplateCatalog(Protocol):
	def variables(self, name: str, language: str) -> TemplateVariables | None:
		"""What a send of this template must fill (None: the template is not stored here)."""
		...


class TemplatesReadOnce:
	"""A `TemplateCatalog` that reads each template's variables once (for one batch)."""

	def __init__(self, catalog: TemplateCatalog) -> None:
		self._catalog = catalog
		self._read: dict[tuple[str, str], TemplateVariables | None] = {}

	def variables(self, name: str, language: str) -> TemplateVariables | None:
		if (name, language) not in self._read:
			self._read[(name, language)] = self._catalog.variables(name, language)
		return self._read[(name, language)]


class MessageRepository(Protocol):
	def get_device(self, name: str | None) -> DeviceProfile:
		"""The named device, or the default one when `name` is None; raises `DeviceNotFound`."""
		...

	def insert_message(self, record: MessageRecord) -> MessageRecord:
		"""Store a new row and return it with its name; raises `DuplicateKey` when the
		idempotency key (or wamid) is taken, also when two callers race."""
		...

	def get_message(self, name: str) -> MessageRecord: ...

	def find_by_idempotency_key(self, key: str) -> MessageRecord | None: ...

	def find_by_wamid(self, wamid: str) -> MessageRecord | None: ...

	def save_outcome(self, name: str, outcome: SendOutcome) -> None:
		"""Apply a delivery attempt: status, ids, error fields, and one status event."""
		...

	def claim_due_retries(self, now: datetime, lease_until: datetime, limit: int) -> list[MessageRecord]:
		"""Queued rows whose next attempt is due, leased until `lease_until` so that no
		other worker claims the same row."""
		...

	def count_outbound_since(self, device: str, since: datetime) -> int:
		"""Outbound messages of `device` created since `since` that did not fail."""
		...

	def last_inbound_at(self, device: str, number: str) -> datetime | None:
		"""When the customer `number` last wrote to `device` (also under a BSUID an earlier message
		of theirs carried with that number), or None if never: the 24 h window's start."""
		...

	def is_opted_out(self, number: str) -> bool: ...

	def add_opt_out(self, number: str, reason: str, source: str) -> None: ...

	def remove_opt_out(self, number: str) -> None: ...
