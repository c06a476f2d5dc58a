"""`MediaStore` in memory (thread-safe): inbound rows' media state and the files stored."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from whatsapp_integration.core.inbound_media import MediaJob
from whatsapp_integration.core.vocabulary import MediaStatus


@dataclass
class MediaRow:
	device: str
	media_id: str
	filename: str | None = None
	status: MediaStatus = MediaStatus.PENDING
	error: str | None = None
	attempts: int = 0
	next_attempt_at: datetime | None = None
	stored_at: datetime | None = None
	file: tuple[str, bytes, str | None] | None = None  # (file name, content, MIME type)


class MemoryMediaStore:
	def __init__(self) -> None:
		self._lock = threading.Lock()
		self.rows: dict[str, MediaRow] = {}

	def add(self, wamid: str, row: MediaRow) -> None:
		with self._lock:
			self.rows[wamid] = row

	def claim(self, wamid: str, now: datetime, lease_until: datetime) -> MediaJob | None:
		with self._lock:
			row = self.rows.get(wamid)
			if row is None or row.status != MediaStatus.PENDING:
				return None
			if row.next_attempt_at and row.next_attempt_at > now:
				return None
			row.next_attempt_at = lease_until
			return MediaJob(wamid, row.device, row.media_id, row.filename, row.attempts)

	def due(self, now: datetime, stale_before: datetime, limit: int) -> list[str]:
		with self._lock:
			return [
				wamid
				for wamid, row in self.rows.items()
				if row.status == MediaStatus.PENDING
				and (
					(row.next_attempt_at and row.next_attempt_at <= now)
					or (row.next_attempt_at is None and row.stored_at and row.stored_at <= stale_before)
				)
			][:limit]

	def save_file(self, job: MediaJob, filename: str, content: bytes, mime_type: str | None) -> str:
		with self._lock:
			row = self.rows[job.name]
			row.file = (filename, content, mime_type)
			row.status, row.error, row.next_attempt_at = MediaStatus.DOWNLOADED, None, None
			row.attempts = job.attempts + 1
			return f"/private/files/{filename}"

	def save_state(
		self, job: MediaJob, status: MediaStatus, error: str, attempts: int, retry_at: datetime | None
	) -> None:
		with self._lock:
			row = self.rows[job.name]
			row.status, row.error, row.attempts, row.next_attempt_at = status, error, attempts, retry_at
