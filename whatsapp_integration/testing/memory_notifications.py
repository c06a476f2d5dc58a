"""An in-memory `NotificationSite` for the framework-free tests of the notification service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from whatsapp_integration.core.message import Media
from whatsapp_integration.core.notification.rule import Document, NotificationRule, RunResult


@dataclass
class MemoryNotificationSite:
	"""Recipients per rule as (where from, raw number); a condition is a predicate on the
	document's values; runs and header requests are recorded."""

	recipients: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
	conditions: dict[str, Callable[[dict], bool]] = field(default_factory=dict)
	header_media: Media | None = None
	runs: list[tuple[str, RunResult]] = field(default_factory=list)
	# Whether the outbox holds a key (tests give the in-memory outbox's lookup); default: never.
	outbox_has: Callable[[str], bool] = lambda key: False
	headers_made: int = 0

	def passes_condition(self, rule: NotificationRule, document: Document) -> bool:
		condition = self.conditions.get(rule.name)
		return condition is None or condition(dict(document.values.values))

	def recipient_numbers(self, rule: NotificationRule, document: Document) -> list[tuple[str, str]]:
		return list(self.recipients.get(rule.name, []))

	def header(self, rule: NotificationRule, document: Document) -> Media | None:
		self.headers_made += 1
		return self.header_media

	def sent_keys(self, keys: list[str]) -> set[str]:
		return {key for key in keys if self.outbox_has(key)}

	def record_run(self, rule: str, result: RunResult) -> None:
		self.runs.append((rule, result))
