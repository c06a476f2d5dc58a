"""A WhatsApp Notification rule as the sending side sees it, and the message it makes for one
document and one recipient."""

from __future__ import annotations

from dataclasses import dataclass, field

from whatsapp_integration.core.errors import ErrorAction
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.notification.events import idempotency_key
from whatsapp_integration.core.notification.mapping import (
	DocumentValues,
	ParameterMapping,
	render_message,
	template_parameters,
)
from whatsapp_integration.core.vocabulary import MessageType

# A failed send with one of these actions means the rule itself is broken (its template was
# rejected, paused or deleted, its parameters do not fit, the account is stopped): every further
# document would fail the same way, so it raises an alert.
BROKEN_RULE_ACTIONS = frozenset({ErrorAction.FIX_INPUT.value, ErrorAction.STOP.value})


@dataclass(frozen=True)
class NotificationRule:
	name: str
	document_type: str
	device: str | None = None
	template: str | None = None  # Meta's template name
	language: str | None = None
	parameters: tuple[ParameterMapping, ...] = ()
	text: str | None = None  # free text (used when no template)
	attach_print: bool = False
	condition: str | None = None  # a Frappe safe expression, evaluated by the site
	print_format: str | None = None
	letterhead: str | None = None
	pdf_file_name: str | None = None  # placeholders allowed; empty: the document's name


@dataclass(frozen=True)
class Document:
	doctype: str
	name: str
	values: DocumentValues


@dataclass(frozen=True)
class Content:
	"""The rendered message of a rule for one document (the same for every recipient)."""

	message_type: str
	text: str | None = None
	template: Template | None = None


@dataclass
class RunResult:
	"""What one evaluation of a rule for one document did."""

	sent: int = 0
	failed: int = 0
	opted_out: int = 0
	errors: list[str] = field(default_factory=list)
	broken: str | None = None  # why the rule itself cannot send (alerted)
	message_logs: list[str] = field(default_factory=list)

	def merge(self, other: RunResult) -> None:
		self.sent += other.sent
		self.failed += other.failed
		self.opted_out += other.opted_out
		self.errors += other.errors
		self.broken = self.broken or other.broken
		self.message_logs += other.message_logs


def content(rule: NotificationRule, document: Document, header: Media | None = None) -> Content:
	"""The rule's message for `document`: the template with its mapped parameters (and the
	document's PDF as its header), or the free text; raises `InvalidMessage` when it cannot be made."""
	if rule.template:
		parameters = template_parameters(rule.parameters, document.values)
		template = Template(rule.template, rule.language or "en_US", parameters, header_media=header)
		return Content(MessageType.TEMPLATE, template=template)
	return Content(MessageType.TEXT, text=render_message(rule.text or "", document.values))


def outbound(
	rule: NotificationRule, document: Document, made: Content, number: str, occasion: str
) -> OutboundMessage:
	"""The outbox request for one recipient, keyed so the occasion never sends twice to them."""
	return OutboundMessage(
		to=number,
		message_type=made.message_type,
		text=made.text,
		template=made.template,
		device=rule.device or None,
		reference_doctype=document.doctype,
		reference_name=document.name,
		idempotency_key=message_key(rule, document, occasion, number),
	)


def message_key(rule: NotificationRule, document: Document, occasion: str, number: str) -> str:
	return idempotency_key(rule.name, document.doctype, document.name, occasion, number)


def breaks_rule(error_action: str | None) -> bool:
	return (error_action or "") in BROKEN_RULE_ACTIONS
