"""The typed events a webhook body turns into: inbound messages, status updates and preference changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.webhook.numbers import NumberUpdate
from whatsapp_integration.core.webhook.templates import TemplateUpdate

# Sources of an opt-out, as the `source` options of WhatsApp Opt Out name them
SOURCE_KEYWORD = "Keyword"
SOURCE_META = "Meta"


@dataclass(frozen=True)
class Media:
	id: str | None
	mime_type: str | None = None
	sha256: str | None = None
	caption: str | None = None
	filename: str | None = None


@dataclass(frozen=True)
class Location:
	latitude: float | None
	longitude: float | None
	name: str | None = None
	address: str | None = None


@dataclass(frozen=True)
class Reaction:
	"""An emoji on one of our messages; `emoji` None means the customer removed their reaction."""

	message_id: str | None
	emoji: str | None = None


@dataclass(frozen=True)
class InboundMessage:
	"""One message a customer sent. `wa_id` is None for users known only by their BSUID."""

	wamid: str
	wa_id: str | None
	user_id: str | None
	phone_number_id: str | None
	display_phone_number: str | None
	type: str
	text: str | None
	timestamp: int | None
	profile_name: str | None = None
	media: Media | None = None
	location: Location | None = None
	reply_id: str | None = None  # button payload, button_reply / list_reply id
	reply_title: str | None = None  # what the customer saw on that button or list row
	context_id: str | None = None  # the wamid of the message this one answers
	reaction: Reaction | None = None
	# contact cards: [{"name", "phones": [{"phone", "wa_id", "type"}], "emails", "organization"}]
	shared_contacts: tuple[dict[str, Any], ...] = ()
	error_code: int | None = None
	error_title: str | None = None
	device: str | None = None  # a Web device's name (`core.web.inbound`); Meta's name the phone number id


@dataclass(frozen=True)
class StatusUpdate:
	"""One status event of a message we sent; `status` is ours (`core.status`)."""

	wamid: str
	status: str
	timestamp: int | None
	phone_number_id: str | None
	recipient_id: str | None = None
	recipient_user_id: str | None = None
	callback_data: str | None = None
	error_code: int | None = None
	error_title: str | None = None
	error_details: str | None = None


@dataclass(frozen=True)
class PreferenceChange:
	"""A customer stopped (opt-out) or resumed (opt-in) messages from us."""

	wa_id: str | None
	user_id: str | None
	phone_number_id: str | None
	reason: str
	source: str
	timestamp: int | None = None


@dataclass
class WebhookBatch:
	messages: list[InboundMessage] = field(default_factory=list)
	statuses: list[StatusUpdate] = field(default_factory=list)
	opt_outs: list[PreferenceChange] = field(default_factory=list)
	opt_ins: list[PreferenceChange] = field(default_factory=list)
	number_updates: list[NumberUpdate] = field(default_factory=list)
	template_updates: list[TemplateUpdate] = field(default_factory=list)
	ignored_fields: list[str] = field(default_factory=list)
	skipped: int = 0  # events too malformed to use (no id, unknown status, wrong types)
