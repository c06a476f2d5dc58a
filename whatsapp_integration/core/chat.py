"""What the chat page shows: conversation list rows, thread bubbles and their paging rules.

Framework-free: the chat service builds these from its repository, the API returns them as
dicts. Customer text stays plain text here; the page escapes it when it displays it.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.media import LIMITS
from whatsapp_integration.core.vocabulary import DeviceMode, MessageType
from whatsapp_integration.core.window import is_bound, window_for

CONVERSATIONS_PER_PAGE = 20
MAX_CONVERSATIONS_PER_PAGE = 100
MESSAGES_PER_PAGE = 50
MAX_MESSAGES_PER_PAGE = 200
MAX_SEARCH_LENGTH = 140
REACTION = "reaction"


@dataclass(frozen=True)
class ConversationFilter:
	"""Which conversations the list shows: filters, a search over name and number, a page."""

	unread_only: bool = False
	assigned_to: str | None = None
	device: str | None = None
	search: str | None = None
	linked_doctype: str | None = None  # only the conversations of this Contact / Customer / ...
	linked_name: str | None = None
	start: int = 0
	page_length: int = CONVERSATIONS_PER_PAGE


def check_filter(wanted: ConversationFilter) -> ConversationFilter:
	"""`wanted` with its search trimmed, or `InvalidMessage` saying what to change."""
	if wanted.start < 0:
		raise InvalidMessage(_("start must be 0 or more (it is {start}).").format(start=wanted.start))
	if not 1 <= wanted.page_length <= MAX_CONVERSATIONS_PER_PAGE:
		raise InvalidMessage(
			_("page_length must be between 1 and {limit} (it is {page_length}).").format(
				limit=MAX_CONVERSATIONS_PER_PAGE, page_length=wanted.page_length
			)
		)
	search = (wanted.search or "").strip()
	if len(search) > MAX_SEARCH_LENGTH:
		raise InvalidMessage(
			_("The search is longer than {limit} characters; shorten it.").format(limit=MAX_SEARCH_LENGTH)
		)
	return dataclasses.replace(wanted, search=search or None)


@dataclass
class ConversationSummary:
	"""One WhatsApp Conversation as the list and the thread header show it."""

	name: str
	device: str | None = None
	contact_number: str | None = None
	title: str | None = None
	contact: str | None = None
	party_doctype: str | None = None
	party_name: str | None = None
	last_message_preview: str | None = None
	last_message_at: datetime | None = None
	last_inbound_at: datetime | None = None
	last_direction: str | None = None
	unread_count: int = 0
	assigned_to: str | None = None
	status: str | None = None
	device_mode: str | None = None


@dataclass
class ConversationPage:
	conversations: list[ConversationSummary]
	has_more: bool


@dataclass
class Quoted:
	"""The message a bubble answers, in short."""

	name: str
	direction: str
	message_type: str | None
	text: str | None


@dataclass
class Bubble:
	"""One message of a thread with everything its bubble shows."""

	name: str
	direction: str
	status: str
	created_at: datetime
	message_type: str | None = None
	text: str | None = None
	wamid: str | None = None
	received_at: datetime | None = None  # when the customer sent it (inbound)
	profile_name: str | None = None
	template_name: str | None = None
	error_title: str | None = None
	error_reason: str | None = None
	media_caption: str | None = None
	media_filename: str | None = None
	media_mime_type: str | None = None
	media_file: str | None = None
	media_link: str | None = None
	media_status: str | None = None
	media_error: str | None = None
	reply_to_wamid: str | None = None
	reaction_to_wamid: str | None = None
	reaction_emoji: str | None = None
	location_latitude: float | None = None
	location_longitude: float | None = None
	location_name: str | None = None
	location_address: str | None = None
	shared_contacts: list[dict[str, Any]] = field(default_factory=list)
	reply_title: str | None = None
	quoted: Quoted | None = None
	reactions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ThreadCursor:
	"""Where the next older page starts: strictly before this (created_at, name)."""

	created_at: datetime
	name: str

	def encode(self) -> str:
		return f"{self.created_at.isoformat()}|{self.name}"

	@classmethod
	def decode(cls, text: str | None) -> ThreadCursor | None:
		if not text:
			return None
		stamp, _separator, name = text.partition("|")
		try:
			created_at = datetime.fromisoformat(stamp)
		except ValueError:
			created_at = None
		if created_at is None or not name:
			raise InvalidMessage(
				_("{cursor!r} is not a thread cursor; pass the `older` value of the last page.").format(
					cursor=text
				)
			)
		return cls(created_at, name)


@dataclass
class ThreadPage:
	"""A page of a thread, oldest first; `older` is the cursor of the page before it (None: none)."""

	messages: list[Bubble]
	older: str | None


def check_page_size(limit: int) -> int:
	if not 1 <= limit <= MAX_MESSAGES_PER_PAGE:
		raise InvalidMessage(
			_("limit must be between 1 and {maximum} (it is {limit}).").format(
				maximum=MAX_MESSAGES_PER_PAGE, limit=limit
			)
		)

	return limit


def thread_page(newest_first: list[Bubble], limit: int) -> ThreadPage:
	"""The page of the `limit` newest of `newest_first` (which holds up to limit + 1 rows, the
	extra one saying an older page exists), oldest first, with the cursor of the older page."""
	shown = newest_first[:limit]
	older = None
	if len(newest_first) > limit and shown:
		oldest = shown[-1]
		older = ThreadCursor(oldest.created_at, oldest.name).encode()
	return ThreadPage(list(reversed(shown)), older)


def fold_reactions(messages: list[Bubble]) -> list[Bubble]:
	"""Reactions move onto the bubble they react to when it is on the page (a customer's later
	reaction replaces their earlier one; an empty emoji removes it); others stay as bubbles."""
	by_wamid = {bubble.wamid: bubble for bubble in messages if bubble.wamid}
	reacted: dict[str, str] = {}
	kept = []
	for bubble in messages:
		target = by_wamid.get(bubble.reaction_to_wamid or "") if bubble.message_type == REACTION else None
		if target is None:
			kept.append(bubble)
			continue
		reacted[target.name] = bubble.reaction_emoji or ""
	for bubble in kept:
		emoji = reacted.get(bubble.name)
		bubble.reactions = [emoji] if emoji else []
	return kept


def quote(bubble: Bubble) -> Quoted:
	return Quoted(bubble.name, bubble.direction, bubble.message_type, bubble.text or bubble.media_caption)


@dataclass(frozen=True)
class WindowView:
	"""The 24 h window as the composer shows it: `bound` False when the device does not follow it
	(a Web device unless Settings enforce it), then free text is always offered."""

	bound: bool
	is_open: bool
	last_inbound_at: datetime | None
	closes_at: datetime | None
	seconds_left: float


def window_view(summary: ConversationSummary, enforce_for_web: bool, now: datetime) -> WindowView:
	window = window_for(summary.last_inbound_at, now)
	return WindowView(
		is_bound(summary.device_mode or DeviceMode.OFFICIAL, enforce_for_web),
		window.is_open,
		window.last_inbound_at,
		window.closes_at,
		window.seconds_left(now),
	)


def kind_for_file(filename: str) -> str:
	"""The media kind a file is sent as, by its type (image, video, audio, sticker), else document."""
	mime = mimetypes.guess_type(filename)[0] or ""
	return next(
		(kind for kind, limit in LIMITS.items() if mime in limit.mime_types and kind != MessageType.DOCUMENT),
		MessageType.DOCUMENT,
	)


def as_dict(value: Any) -> Any:
	"""A record (or a list of them) as plain JSON-ready values; datetimes as ISO text."""
	if isinstance(value, list):
		return [as_dict(item) for item in value]
	if dataclasses.is_dataclass(value):
		return {key: as_dict(item) for key, item in dataclasses.asdict(value).items()}
	if isinstance(value, dict):
		return {key: as_dict(item) for key, item in value.items()}
	if isinstance(value, datetime):
		return value.isoformat()
	return value
