"""The app's named vocabulary: every status, direction, mode and state as a `StrEnum`.

Members are strings (`MessageStatus.SENT == "Sent"`), so they are stored, compared and sent as
JSON unchanged; the DocTypes' Select options hold the same values.
"""

from __future__ import annotations

from enum import Enum

try:
	from enum import StrEnum
except ImportError:  # Python 3.10, which Frappe v15 still supports

	class StrEnum(str, Enum):  # type: ignore[no-redef]
		def __str__(self) -> str:
			return str(self.value)


class Vocabulary(StrEnum):
	"""A `StrEnum` whose repr is its value's: `f"{mode!r}"` reads `'Web'`, as the bare string did."""

	def __repr__(self) -> str:
		return repr(self.value)


class MessageStatus(Vocabulary):
	"""A Message Log row's status. Outbound rows move forward only (core.status)."""

	QUEUED = "Queued"
	SENT = "Sent"
	FAILED = "Failed"
	DELIVERED = "Delivered"
	READ = "Read"
	RECEIVED = "Received"  # inbound messages


class Direction(Vocabulary):
	OUTBOUND = "Outbound"
	INBOUND = "Inbound"


class DeviceMode(Vocabulary):
	OFFICIAL = "Official"  # Meta's Cloud API
	WEB = "Web"  # a linked WhatsApp Web session
	SANDBOX = "Sandbox"  # never leaves the site: statuses and replies arrive through the webhook inbox


class MessageType(Vocabulary):
	TEXT = "text"
	TEMPLATE = "template"
	IMAGE = "image"
	DOCUMENT = "document"
	VIDEO = "video"
	AUDIO = "audio"
	STICKER = "sticker"
	INTERACTIVE = "interactive"  # reply buttons, list, CTA URL (InteractiveKind)

	@classmethod
	def media(cls) -> tuple[MessageType, ...]:
		"""The types that send a file (by link, media id or a file of the site)."""
		return (cls.IMAGE, cls.DOCUMENT, cls.VIDEO, cls.AUDIO, cls.STICKER)


class InteractiveKind(Vocabulary):
	"""Meta's `interactive.type` of an outbound interactive message."""

	BUTTON = "button"  # up to 3 reply buttons
	LIST = "list"  # a menu of sections and rows
	CTA_URL = "cta_url"  # one button that opens a URL


class TemplateParameterKind(Vocabulary):
	"""Meta's type of a template body or header parameter."""

	TEXT = "text"
	CURRENCY = "currency"
	DATE_TIME = "date_time"


class TemplateButtonKind(Vocabulary):
	"""Meta's `sub_type` of a template button parameter."""

	URL = "url"  # the dynamic suffix of a URL button
	QUICK_REPLY = "quick_reply"  # the payload a quick-reply button sends back
	COPY_CODE = "copy_code"  # the coupon code a copy-code button copies


class MediaStatus(Vocabulary):
	"""The download of an inbound message's media (`media_status` of a Message Log row)."""

	PENDING = "Pending"  # waiting for (or between) download attempts
	DOWNLOADED = "Downloaded"  # stored as a private File attached to the row
	FAILED = "Failed"  # Meta could not give it (after the retries); `media_error` says why
	REFUSED = "Refused"  # too big, a type not allowed or a checksum mismatch; `media_error` says which


class CampaignStatus(Vocabulary):
	DRAFT = "Draft"
	SCHEDULED = "Scheduled"
	RUNNING = "Running"
	PAUSED = "Paused"
	COMPLETED = "Completed"
	CANCELLED = "Cancelled"
	FAILED = "Failed"


class RecipientState(Vocabulary):
	PENDING = "Pending"
	SENDING = "Sending"
	SENT = "Sent"
	DELIVERED = "Delivered"
	READ = "Read"
	FAILED = "Failed"
	SKIPPED = "Skipped"


class QualityRating(Vocabulary):
	"""Meta's quality rating of a business phone number (`quality_rating`)."""

	GREEN = "GREEN"
	YELLOW = "YELLOW"
	RED = "RED"
	UNKNOWN = "UNKNOWN"


class InboxState(Vocabulary):
	"""A WhatsApp Webhook Event (inbox row)."""

	QUEUED = "Queued"
	PROCESSING = "Processing"
	PROCESSED = "Processed"
	FAILED = "Failed"


class NotificationEvent(Vocabulary):
	"""When a WhatsApp Notification rule fires."""

	NEW = "New"
	SAVE = "Save"
	SUBMIT = "Submit"
	CANCEL = "Cancel"
	VALUE_CHANGE = "Value Change"
	DAYS_BEFORE = "Days Before"
	DAYS_AFTER = "Days After"
	METHOD = "Method"

	@classmethod
	def dated(cls) -> tuple[NotificationEvent, ...]:
		"""The events the scheduler evaluates (over a date field), not a document's save."""
		return (cls.DAYS_BEFORE, cls.DAYS_AFTER)


class RecipientSource(Vocabulary):
	"""Where a WhatsApp Notification finds a recipient's number."""

	DOCUMENT_FIELD = "Document Field"
	DOCUMENT_CONTACT = "Document Contact"
	FIXED_NUMBER = "Fixed Number"
	ROLE = "Role"


class ReplyTrigger(Vocabulary):
	"""What in a customer's message starts a WhatsApp Reply Action."""

	KEYWORD_EXACT = "Keyword (exact)"
	KEYWORD_CONTAINS = "Keyword (contains)"
	BUTTON = "Button Payload"


class ReplyActionKind(Vocabulary):
	AUTO_REPLY = "Auto Reply"
	SET_FIELD = "Set Field"
	CALL_METHOD = "Call Method"


class ConversationStatus(Vocabulary):
	"""A WhatsApp Conversation: Open until someone resolves it; a new inbound message reopens it."""

	OPEN = "Open"
	RESOLVED = "Resolved"


class AssignmentRule(Vocabulary):
	"""Who a new conversation is assigned to (Settings: Conversation assignment)."""

	NONE = "None"
	CONTACT_OWNER = "Contact Owner"
	ROUND_ROBIN = "Round Robin"
