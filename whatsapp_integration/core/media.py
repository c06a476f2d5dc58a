"""Meta's rules for media sent by upload: which file types each kind takes, how large, how long an
uploaded media id lives. Checked before any request, so a file Meta would refuse is never sent."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import MessageType

KB = 1024
MB = 1024 * KB
# Meta keeps an uploaded file 30 days; a cached id is used at most this long, so it never
# expires between the cache lookup and the send.
MEDIA_ID_LIFETIME_SECONDS = 30 * 24 * 3600
MEDIA_ID_CACHE_SECONDS = MEDIA_ID_LIFETIME_SECONDS - 24 * 3600
# A Frappe File URL: public `/files/...` or private `/private/files/...`.
_FILE_URL = re.compile(r"^/(private/)?files/[^?#]+$")


@dataclass(frozen=True)
class MediaLimit:
	mime_types: frozenset[str]
	max_bytes: int
	formats: str  # as people name them, for the error message


DOCUMENT_TYPES = frozenset(
	{
		"text/plain",
		"application/pdf",
		"application/vnd.ms-excel",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/msword",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.ms-powerpoint",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	}
)
LIMITS: dict[str, MediaLimit] = {
	MessageType.IMAGE: MediaLimit(frozenset({"image/jpeg", "image/png"}), 5 * MB, _("JPEG or PNG")),
	MessageType.DOCUMENT: MediaLimit(DOCUMENT_TYPES, 100 * MB, _("PDF, TXT, Word, Excel or PowerPoint")),
	MessageType.VIDEO: MediaLimit(frozenset({"video/mp4", "video/3gpp"}), 16 * MB, _("MP4 or 3GPP")),
	MessageType.AUDIO: MediaLimit(
		frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
		16 * MB,
		_("AAC, AMR, MP3, M4A or OGG (Opus)"),
	),
	MessageType.STICKER: MediaLimit(frozenset({"image/webp"}), 500 * KB, "WebP"),
}
STATIC_STICKER_MAX_BYTES = 100 * KB


@dataclass(frozen=True)
class MediaFile:
	"""A stored file's bytes with its name and MIME type, as a `MediaFileReader` returns it."""

	filename: str
	mime_type: str
	content: bytes

	def content_hash(self) -> str:
		return hashlib.sha256(self.content).hexdigest()


def is_file_url(value: str | None) -> bool:
	"""A Frappe File URL (public or private), without `..`."""
	return bool(_FILE_URL.match(value or "")) and ".." not in (value or "")


def check_file(kind: str, file: MediaFile) -> MediaFile:
	"""Raise `InvalidMessage` when Meta would refuse `file` as `kind` (type or size)."""
	limit = LIMITS.get(kind)
	if limit is None:
		raise InvalidMessage(
			_("{kind!r} cannot be sent as a file; use one of {kinds}.").format(
				kind=kind, kinds=", ".join(LIMITS)
			)
		)
	mime = (file.mime_type or "").split(";")[0].strip().lower()
	if mime not in limit.mime_types:
		raise InvalidMessage(
			_(
				"{filename} is {mime}; WhatsApp sends a {kind} only as "
				"{formats}. Convert the file or send it as another kind."
			).format(
				filename=file.filename, mime=mime or _("of an unknown type"), kind=kind, formats=limit.formats
			)
		)
	if not file.content:
		raise InvalidMessage(_("{filename} is empty.").format(filename=file.filename))
	max_bytes = _max_bytes(kind, file.content, limit)
	if len(file.content) > max_bytes:
		raise InvalidMessage(
			_(
				"{filename} is {size}; WhatsApp takes a {kind} of at most {limit}. Send a smaller file."
			).format(filename=file.filename, size=_size(len(file.content)), kind=kind, limit=_size(max_bytes))
		)
	return file


def is_animated_webp(content: bytes) -> bool:
	"""An extended WebP (`VP8X` chunk) with the animation flag set."""
	return (
		content[:4] == b"RIFF"
		and content[8:16] == b"WEBPVP8X"
		and len(content) > 20
		and bool(content[20] & 0x02)
	)


def _max_bytes(kind: str, content: bytes, limit: MediaLimit) -> int:
	if kind == MessageType.STICKER and not is_animated_webp(content):
		return STATIC_STICKER_MAX_BYTES
	return limit.max_bytes


def _size(size: int) -> str:
	if size >= MB:
		return _("{size:.1f} MB").format(size=size / MB)
	if size >= KB:
		return _("{size:.0f} KB").format(size=size / KB)
	return _("{size} bytes").format(size=size)
