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


class MessageStatus(StrEnum):
	"""A Message Log row's status. Outbound rows move forward only (core.status)."""

	QUEUED = "Queued"
	SENT = "Sent"
	FAILED = "Failed"
	DELIVERED = "Delivered"
	READ = "Read"
	RECEIVED = "Received"  # inbound messages


class Direction(StrEnum):
	OUTBOUND = "Outbound"
	INBOUND = "Inbound"


class DeviceMode(StrEnum):
	OFFICIAL = "Official"  # Meta's Cloud API
	WEB = "Web"  # a linked WhatsApp Web session


class MessageType(StrEnum):
	TEXT = "text"
	TEMPLATE = "template"
	IMAGE = "image"
	DOCUMENT = "document"
	VIDEO = "video"
	AUDIO = "audio"
	STICKER = "sticker"


class CampaignStatus(StrEnum):
	DRAFT = "Draft"
	SCHEDULED = "Scheduled"
	RUNNING = "Running"
	PAUSED = "Paused"
	COMPLETED = "Completed"
	CANCELLED = "Cancelled"
	FAILED = "Failed"


class RecipientState(StrEnum):
	PENDING = "Pending"
	SENDING = "Sending"
	SENT = "Sent"
	DELIVERED = "Delivered"
	READ = "Read"
	FAILED = "Failed"
	SKIPPED = "Skipped"


class InboxState(StrEnum):
	"""A WhatsApp Webhook Event (inbox row)."""

	QUEUED = "Queued"
	PROCESSING = "Processing"
	PROCESSED = "Processed"
	FAILED = "Failed"
