"""Downloading inbound media from Meta in the background (issue #12).

A message with media is stored Pending (`MediaStatus`); a job queued right after it is stored
(and the scheduler, for rows no job finished) downloads it: `GET /{media-id}` for a URL that
lives about five minutes, then the file from that URL with the bearer token. Settings' size
limit and MIME allowlist are checked before and after the download (`core.inbound_media`); the
file must match Meta's SHA-256. The bytes are stored as a private File attached to the row.

Outcomes: Downloaded; Refused (too big, a type not allowed, a checksum mismatch: never retried,
the reason kept); a retryable failure (Meta busy, timeouts, an expired URL) stays Pending with
the reason and a next attempt time, until `max_retry_attempts`, then Failed. A URL that expired
between the two steps is fetched again at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction, GraphApiError, WhatsAppError
from whatsapp_integration.core.i18n import _, sentence_of
from whatsapp_integration.core.inbound_media import (
	MediaInfo,
	MediaJob,
	MediaRefused,
	check_content,
	check_declared,
	max_bytes,
	stored_filename,
)
from whatsapp_integration.core.retry import retry_delay
from whatsapp_integration.core.vocabulary import MediaStatus
from whatsapp_integration.senders.graph import Download

LEASE_SECONDS = 120  # one attempt (two Graph calls and a download) finishes well within this
BATCH = 50
_EXPIRED_URL_STATUSES = (401, 403, 404, 410)  # what Meta's download host answers for an old URL


class MediaClient(Protocol):
	"""The two Graph API calls of a download (`senders.graph.GraphClient`)."""

	def get(self, path: str) -> dict: ...

	def download(self, url: str, max_bytes: int) -> Download: ...


class MediaStore(Protocol):
	"""Where inbound rows' media state lives (`repositories.inbound_media`, `testing.memory_media_store`)."""

	def claim(self, wamid: str, now: datetime, lease_until: datetime) -> MediaJob | None:
		"""Atomically take the row of `wamid` if it is Pending and due; None otherwise."""
		...

	def due(self, now: datetime, stale_before: datetime, limit: int) -> list[str]:
		"""wamids of Pending rows whose retry time has come, or with no retry time that were
		stored before `stale_before` (their job never ran)."""
		...

	def save_file(self, job: MediaJob, filename: str, content: bytes, mime_type: str | None) -> str:
		"""Store `content` as a private File attached to the row, mark it Downloaded; its file URL."""
		...

	def save_state(
		self, job: MediaJob, status: MediaStatus, error: str, attempts: int, retry_at: datetime | None
	) -> None: ...


class MediaDownloader:
	def __init__(
		self,
		store: MediaStore,
		config: WhatsAppConfig,
		client_for: Callable[[str], MediaClient],
		*,
		now: Callable[[], datetime],
	) -> None:
		self.store = store
		self.config = config
		self._client_for = client_for
		self._now = now

	def download(self, wamid: str) -> MediaStatus | None:
		"""One attempt for the row of `wamid`; its media status after it (None: not due/taken)."""
		now = self._now()
		job = self.store.claim(wamid, now, now + timedelta(seconds=LEASE_SECONDS))
		if job is None:
			return None
		attempts = job.attempts + 1
		try:
			self._fetch(job)
		except MediaRefused as refused:
			self.store.save_state(job, MediaStatus.REFUSED, str(refused), attempts, None)
			return MediaStatus.REFUSED
		except WhatsAppError as error:
			return self._failed(job, error, attempts)
		return MediaStatus.DOWNLOADED

	def download_due(self) -> int:
		"""Rows whose retry is due or whose job never ran; how many were tried."""
		now = self._now()
		wamids = self.store.due(now, now - timedelta(seconds=LEASE_SECONDS / 4), BATCH)
		for wamid in wamids:
			self.download(wamid)
		return len(wamids)

	def _fetch(self, job: MediaJob) -> None:
		client = self._client_for(job.device)
		info, download = self._download(client, job.media_id)
		check_content(download.content, info, self.config.inbound_media_max_mb, download.truncated)
		filename = stored_filename(job.media_id, job.filename, info.mime_type)
		self.store.save_file(job, filename, download.content, info.mime_type)

	def _download(self, client: MediaClient, media_id: str) -> tuple[MediaInfo, Download]:
		"""The URL step and the download; a URL that expired in between is fetched once more."""
		limit = max_bytes(self.config.inbound_media_max_mb)
		for _attempt in range(2):
			info = self._info(client, media_id)
			try:
				return info, client.download(info.url or "", limit)
			except GraphApiError as error:
				if error.http_status not in _EXPIRED_URL_STATUSES:
					raise
				expired = error
		raise GraphApiError(
			_("The download URL Meta gave had expired before it was used (HTTP {http_status}).").format(
				http_status=expired.http_status
			),
			http_status=expired.http_status,
			action=ErrorAction.RETRY,
		) from expired

	def _info(self, client: MediaClient, media_id: str) -> MediaInfo:
		info = MediaInfo.from_graph(client.get(media_id))
		check_declared(info, self.config.inbound_media_mime_types, self.config.inbound_media_max_mb)
		return info

	def _failed(self, job: MediaJob, error: WhatsAppError, attempts: int) -> MediaStatus:
		action = error.action if isinstance(error, GraphApiError) else ErrorAction.FIX_INPUT
		delay = retry_delay(action, attempts, self.config)
		if delay is None:
			reason = _("The media could not be downloaded: {error}").format(error=sentence_of(error))
			self.store.save_state(job, MediaStatus.FAILED, reason, attempts, None)
			return MediaStatus.FAILED
		retry_at = self._now() + timedelta(seconds=delay)
		reason = _("Download attempt {attempts} failed: {error} It is tried again automatically.").format(
			attempts=attempts, error=sentence_of(error)
		)

		self.store.save_state(job, MediaStatus.PENDING, reason, attempts, retry_at)
		return MediaStatus.PENDING
