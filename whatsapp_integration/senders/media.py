"""Files sent by upload: `POST /{phone_number_id}/media` once per file content and phone number.

A `Media(file_url=...)` names a file of the site. The uploader reads it through a
`MediaFileReader` (site/: Frappe's File), checks Meta's type and size limits before any request
(`core.media.check_file`), and looks its content hash up in a `MediaIdCache` (repositories/:
Redis; testing/: in memory) before uploading, so the same file to a thousand recipients is
uploaded once per device and Meta's media lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from whatsapp_integration.core.errors import ErrorAction, GraphApiError, InvalidMessage, SendFailed
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.media import MEDIA_ID_CACHE_SECONDS, MediaFile, check_file
from whatsapp_integration.core.message import Media
from whatsapp_integration.core.vocabulary import MessageType
from whatsapp_integration.senders.graph import GraphClient


class MediaFileReader(Protocol):
	def read(self, file_url: str) -> MediaFile:
		"""The file at `file_url` (a Frappe File URL); raises `InvalidMessage` when there is none."""
		...


class MediaIdCache(Protocol):
	def get(self, key: str) -> str | None: ...

	def put(self, key: str, media_id: str, ttl_seconds: int) -> None: ...


@dataclass(frozen=True)
class MediaSources:
	"""What a Cloud API sender needs to send files of the site."""

	reader: MediaFileReader
	cache: MediaIdCache


@dataclass(frozen=True)
class UploadedMedia:
	media_id: str
	filename: str


class MediaUploader:
	def __init__(self, client: GraphClient, phone_number_id: str, sources: MediaSources | None) -> None:
		self._client = client
		self._phone_number_id = phone_number_id
		self._sources = sources

	def upload(self, kind: str, file_url: str) -> UploadedMedia:
		"""The media id of the file at `file_url` sent as `kind`, uploading it when this phone
		number has no live id for its content. Refusals raise `SendFailed` (fix the input)."""
		if self._sources is None:
			raise SendFailed(
				_("This sender cannot read the site's files; send the media by link or media id."),
				action=ErrorAction.FIX_INPUT,
			)
		try:
			file = check_file(kind, self._sources.reader.read(file_url))
		except InvalidMessage as refused:
			raise SendFailed(str(refused), action=ErrorAction.FIX_INPUT) from refused
		key = f"{self._phone_number_id}:{file.content_hash()}"
		media_id = self._sources.cache.get(key)
		if not media_id:
			media_id = self._post(file)
			self._sources.cache.put(key, media_id, MEDIA_ID_CACHE_SECONDS)
		return UploadedMedia(media_id, file.filename)

	def _post(self, file: MediaFile) -> str:
		mime = file.mime_type.split(";")[0].strip().lower()
		fields = {"messaging_product": "whatsapp", "type": mime}
		body = self._client.upload(
			f"{self._phone_number_id}/media", fields, (file.filename, file.content, mime)
		)
		if not body.get("id"):
			raise GraphApiError(
				_("Meta's API accepted the upload but returned no media id; it will be retried."),
				action=ErrorAction.RETRY,
			)
		return str(body["id"])

	def payload(self, media: Media, *, with_caption: bool = True) -> dict[str, str]:
		"""The media object of a message (or, without caption, a template header): `{"id"}` or
		`{"link"}`, with the caption and (documents) the file name."""
		body: dict[str, str] = {}
		filename = media.filename
		if media.file_url:
			uploaded = self.upload(media.kind, media.file_url)
			body["id"], filename = uploaded.media_id, filename or uploaded.filename
		elif media.media_id:
			body["id"] = media.media_id
		else:
			body["link"] = media.link
		if with_caption and media.caption and media.kind not in (MessageType.AUDIO, MessageType.STICKER):
			body["caption"] = media.caption
		if filename and media.kind == MessageType.DOCUMENT:
			body["filename"] = filename
		return body
