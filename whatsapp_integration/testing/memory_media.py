"""In-memory media sources for tests: files by URL and a media id cache that counts its hits."""

from __future__ import annotations

import mimetypes
import threading

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.media import MediaFile


class MemoryFileReader:
	"""`senders.media.MediaFileReader` over files added with `add`."""

	def __init__(self) -> None:
		self._files: dict[str, MediaFile] = {}
		self.reads: list[str] = []

	def add(self, file_url: str, content: bytes, mime_type: str | None = None) -> str:
		filename = file_url.rsplit("/", 1)[-1]
		mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
		self._files[file_url] = MediaFile(filename, mime, content)
		return file_url

	def read(self, file_url: str) -> MediaFile:
		self.reads.append(file_url)
		if file_url not in self._files:
			raise InvalidMessage(f"There is no file {file_url}.")
		return self._files[file_url]


class MemoryMediaIdCache:
	"""`senders.media.MediaIdCache` in a dict; keeps each entry's time to live for inspection."""

	def __init__(self) -> None:
		self.entries: dict[str, tuple[str, int]] = {}
		self._lock = threading.Lock()

	def get(self, key: str) -> str | None:
		with self._lock:
			entry = self.entries.get(key)
		return entry[0] if entry else None

	def put(self, key: str, media_id: str, ttl_seconds: int) -> None:
		with self._lock:
			self.entries[key] = (media_id, ttl_seconds)
