"""Evaluating WhatsApp Notification rules: one document after its event, or a date rule's
documents of the day, each message through the outbox (opt-outs, the 24 h window, retries and
idempotency keys all apply there).

A rule whose message cannot be made (a placeholder that fails, a parameter left empty) or whose
send fails for a reason that is the rule's own (Meta rejects the template, 132001 template not
found, the account is stopped) is *broken*: `on_broken` raises one alert for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from whatsapp_integration.core.errors import InvalidMessage, RecipientOptedOut, WhatsAppError
from whatsapp_integration.core.i18n import _, sentence_of
from whatsapp_integration.core.message import Media, OutboundMessage
from whatsapp_integration.core.notification.recipients import resolve
from whatsapp_integration.core.notification.rule import (
	Content,
	Document,
	NotificationRule,
	RunResult,
	breaks_rule,
	content,
	message_key,
	outbound,
)
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import MessageStatus


@dataclass(frozen=True)
class Preview:
	condition: bool
	numbers: list[str]
	skipped: list[str]
	content: Content


class Outbox(Protocol):
	def send(self, message: OutboundMessage) -> MessageRecord: ...


class NotificationSite(Protocol):
	"""What the service needs of the site."""

	def passes_condition(self, rule: NotificationRule, document: Document) -> bool: ...

	def recipient_numbers(self, rule: NotificationRule, document: Document) -> list[tuple[str, str]]:
		"""(where from, raw number) of every recipient row of the rule for `document`."""
		...

	def header(self, rule: NotificationRule, document: Document) -> Media | None:
		"""The document's PDF as a header (a private File), when the rule attaches one."""
		...

	def sent_keys(self, keys: list[str]) -> set[str]:
		"""Those of `keys` the outbox already holds (a message of an earlier run)."""
		...

	def record_run(self, rule: str, result: RunResult) -> None: ...


class NotificationService:
	def __init__(
		self,
		site: NotificationSite,
		outbox: Outbox,
		default_country: str | None,
		on_broken: Callable[[str, str], None],
	) -> None:
		self.site = site
		self.outbox = outbox
		self.default_country = default_country
		self.on_broken = on_broken

	def notify(self, rule: NotificationRule, document: Document, occasion: str) -> RunResult:
		"""Evaluate `rule` for `document` on `occasion` and record the run."""
		result = self.deliver(rule, document, occasion)
		self._finish(rule, result)
		return result

	def notify_many(self, rule: NotificationRule, documents: Iterable[Document], occasion: str) -> RunResult:
		"""A date rule's run over the day's documents, recorded once."""
		total = RunResult()
		for document in documents:
			total.merge(self.deliver(rule, document, occasion))
		self._finish(rule, total)
		return total

	def preview(self, rule: NotificationRule, document: Document) -> Preview:
		"""What the rule would send for `document` now, without sending (no PDF is made)."""
		resolution = resolve(self.site.recipient_numbers(rule, document), self.default_country)
		return Preview(
			condition=self.site.passes_condition(rule, document),
			numbers=resolution.numbers,
			skipped=resolution.skipped,
			content=content(rule, document),
		)

	def deliver(self, rule: NotificationRule, document: Document, occasion: str) -> RunResult:
		"""Send the rule's message for `document` to each recipient (nothing when the condition fails)."""
		result = RunResult()
		try:
			if not self.site.passes_condition(rule, document):
				return result
		except InvalidMessage as error:
			return self._broken(result, _failure(document, error), 1)
		resolution = resolve(self.site.recipient_numbers(rule, document), self.default_country)
		result.errors += resolution.skipped
		numbers = self._not_sent(rule, document, occasion, resolution.numbers)
		if not numbers:
			return result
		try:
			made = content(rule, document, self.site.header(rule, document) if rule.attach_print else None)
		except InvalidMessage as error:
			return self._broken(result, _failure(document, error), len(numbers))
		for number in numbers:
			self._send_one(rule, document, made, number, occasion, result)
		return result

	def _not_sent(
		self, rule: NotificationRule, document: Document, occasion: str, numbers: list[str]
	) -> list[str]:
		"""The numbers this occasion has not messaged yet: a re-run (an hourly date run, a repeated
		job) renders nothing, makes no PDF and sends nothing for the others."""
		keys = {number: message_key(rule, document, occasion, number) for number in numbers}
		done = self.site.sent_keys(list(keys.values())) if keys else set()
		return [number for number in numbers if keys[number] not in done]

	def _send_one(
		self,
		rule: NotificationRule,
		document: Document,
		made: Content,
		number: str,
		occasion: str,
		result: RunResult,
	) -> None:
		try:
			record = self.outbox.send(outbound(rule, document, made, number, occasion))
		except RecipientOptedOut:
			result.opted_out += 1
			return
		except WhatsAppError as error:
			result.failed += 1
			result.errors.append(_("{number}: {error}").format(number=number, error=sentence_of(error)))

			return
		result.message_logs.append(record.name or "")
		if record.status != MessageStatus.FAILED:
			result.sent += 1
			return
		result.failed += 1
		result.errors.append(f"{number}: {record.error_reason or record.error_title or record.status}")
		if breaks_rule(record.error_action):
			result.broken = result.broken or (record.error_reason or record.error_title or "")

	def _broken(self, result: RunResult, reason: str, recipients: int) -> RunResult:
		result.failed += recipients
		result.errors.append(reason)
		result.broken = reason
		return result

	def _finish(self, rule: NotificationRule, result: RunResult) -> None:
		self.site.record_run(rule.name, result)
		if result.broken:
			self.on_broken(rule.name, result.broken)


def _failure(document: Document, error: WhatsAppError) -> str:
	return _("{doctype} {name}: {error}").format(
		doctype=document.doctype, name=document.name, error=sentence_of(error)
	)
