"""Rules for inbound media (framework-free): what Meta says about a media id, which files the
site accepts (size limit and MIME allowlist of Settings), checks of the downloaded bytes, and
the name the file is stored under.

A refused file raises `MediaRefused` with a reason a person can act on; it is never retried.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from whatsapp_integration.core.errors import ConfigurationError, WhatsAppError
from whatsapp_integration.core.i18n import _

DEFAULT_MEDIA_MAX_MB = 16.0  # Meta's limit for audio and video; documents may be raised to 100
DEFAULT_MEDIA_MIME_TYPES = (
	"image/jpeg",
	"image/png",
	"image/webp",
	"audio/aac",
	"audio/amr",
	"audio/mpeg",
	"audio/mp4",
	"audio/ogg",
	"video/mp4",
	"video/3gpp",
	"application/pdf",
	"text/plain",
	"application/msword",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.ms-excel",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
_MIME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.+-]*/(\*|[a-z0-9][a-z0-9.+-]*)$")
_EXTENSIONS = {
	"image/jpeg": ".jpg",
	"image/png": ".png",
	"image/webp": ".webp",
	"audio/aac": ".aac",
	"audio/amr": ".amr",
	"audio/mpeg": ".mp3",
	"audio/mp4": ".m4a",
	"audio/ogg": ".ogg",
	"video/mp4": ".mp4",
	"video/3gpp": ".3gp",
	"application/pdf": ".pdf",
	"text/plain": ".txt",
}
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


class MediaRefused(WhatsAppError):
	"""The file breaks a rule of Settings (size, type) or does not match Meta's checksum."""


@dataclass(frozen=True)
class MediaJob:
	"""A Pending inbound row (`name`), claimed for one download attempt."""

	name: str
	device: str
	media_id: str
	filename: str | None
	attempts: int


@dataclass(frozen=True)
class MediaInfo:
	"""Meta's answer to `GET /{media-id}`: a download URL valid for about five minutes."""

	url: str | None
	mime_type: str | None
	file_size: int | None
	sha256: str | None

	@classmethod
	def from_graph(cls, body: dict[str, Any]) -> MediaInfo:
		size = body.get("file_size")
		return cls(
			url=str(body["url"]) if body.get("url") else None,
			mime_type=base_mime(body.get("mime_type")),
			file_size=int(size) if isinstance(size, (int, str)) and str(size).isdigit() else None,
			sha256=str(body["sha256"]) if body.get("sha256") else None,
		)


def base_mime(value: Any) -> str | None:
	"""`audio/ogg; codecs=opus` -> `audio/ogg` (lower case); None for nothing."""
	text = str(value or "").split(";", 1)[0].strip().lower()
	return text or None


def check_mime_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
	"""The allowlist of Settings, lower-cased; `ConfigurationError` naming the first entry that
	is no MIME type (`image/png`) or family (`image/*`)."""
	cleaned = tuple(pattern.strip().lower() for pattern in patterns if pattern.strip())
	for pattern in cleaned:
		if not _MIME_PATTERN.match(pattern):
			raise ConfigurationError(
				_(
					"Inbound media MIME types: {pattern!r} is not a MIME type. Write one per line, "
					"like image/png, or a family like image/*."
				).format(pattern=pattern)
			)
	return cleaned


def mime_allowed(mime_type: str | None, allowlist: Iterable[str]) -> bool:
	if not mime_type:
		return False
	family = mime_type.split("/", 1)[0] + "/*"
	return any(pattern in (mime_type, family) for pattern in allowlist)


def max_bytes(max_mb: float) -> int:
	return int(max_mb * 1024 * 1024)


def check_declared(info: MediaInfo, allowlist: Iterable[str], max_mb: float) -> None:
	"""Refuse before downloading: a type not on the allowlist, a size Meta declares too big."""
	allowed = tuple(allowlist)
	if not mime_allowed(info.mime_type, allowed):
		raise MediaRefused(
			_(
				"The file's type {mime_type} is not in Inbound media MIME types "
				"(WhatsApp Integration Settings); add it there to accept such files."
			).format(mime_type=info.mime_type or _("(none)"))
		)
	if info.file_size is not None and info.file_size > max_bytes(max_mb):
		raise MediaRefused(_too_big(info.file_size, max_mb))
	if not info.url:
		raise MediaRefused(_("Meta gave no download URL for this media."))


def check_content(content: bytes, info: MediaInfo, max_mb: float, truncated: bool = False) -> None:
	"""Refuse downloaded bytes over the limit or whose SHA-256 differs from Meta's."""
	if truncated or len(content) > max_bytes(max_mb):
		raise MediaRefused(_too_big(len(content), max_mb, at_least=truncated))
	if info.sha256 and not sha256_matches(content, info.sha256):
		raise MediaRefused(
			_(
				"The downloaded file does not match the SHA-256 Meta gave for it (changed or damaged "
				"on the way); it was not stored."
			)
		)


def sha256_matches(content: bytes, expected: str) -> bool:
	"""Meta writes the digest as hex (media endpoint) or base64 (webhooks): either matches."""
	digest = hashlib.sha256(content).digest()
	if expected.lower() == digest.hex():
		return True
	try:
		return base64.b64decode(expected, validate=True) == digest
	except (binascii.Error, ValueError):
		return False


def stored_filename(media_id: str, filename: str | None, mime_type: str | None) -> str:
	"""The customer's file name (made safe) or `whatsapp-<media id>` with the type's extension."""
	base = _UNSAFE_NAME.sub("_", (filename or "").replace("/", "_").replace("\\", "_")).strip(" ._")
	if base:
		return base[:120]
	return f"whatsapp-{_UNSAFE_NAME.sub('_', media_id)[:60]}{_EXTENSIONS.get(mime_type or '', '')}"


def _too_big(size: int, max_mb: float, at_least: bool = False) -> str:
	if at_least:
		return _(
			"The file has more than {size:,} bytes, over Inbound media max size ({max_mb:g} MB, WhatsApp "
			"Integration Settings); raise the limit to accept such files."
		).format(size=max_bytes(max_mb), max_mb=max_mb)
	return _(
		"The file has {size:,} bytes, over Inbound media max size ({max_mb:g} MB, WhatsApp "
		"Integration Settings); raise the limit to accept such files."
	).format(size=size, max_mb=max_mb)
