"""`MediaStore` on the site's database: the media state of inbound Message Log rows and the
private File a download becomes. Row writes go through `message_log.save_media` (the one writer)."""

from __future__ import annotations

from datetime import datetime

import frappe

from whatsapp_integration.core.inbound_media import MediaJob
from whatsapp_integration.core.vocabulary import MediaStatus
from whatsapp_integration.repositories import message_log
from whatsapp_integration.site.doctypes import MESSAGE_LOG

_JOB_FIELDS = ("name", "device", "media_id", "media_filename", "media_status", "media_attempts")


class FrappeMediaStore:
	def claim(self, wamid: str, now: datetime, lease_until: datetime) -> MediaJob | None:
		"""Under a row lock: a Pending row that is due is leased (its next attempt moves past the
		lease), so a second job or the scheduler leaves it alone while this attempt runs."""
		row = frappe.db.get_value(
			MESSAGE_LOG,
			{"wamid": wamid},
			[*_JOB_FIELDS, "media_next_attempt_at"],
			as_dict=True,
			for_update=True,
		)
		due = row and row.media_status == MediaStatus.PENDING and row.media_id
		if not due or (row.media_next_attempt_at and row.media_next_attempt_at > now):
			frappe.db.rollback()
			return None
		message_log.save_media(row.name, {"media_next_attempt_at": lease_until})
		frappe.db.commit()
		return MediaJob(row.name, row.device, row.media_id, row.media_filename, int(row.media_attempts or 0))

	def due(self, now: datetime, stale_before: datetime, limit: int) -> list[str]:
		return frappe.db.sql_list(
			f"""select wamid from `tab{MESSAGE_LOG}` where media_status = %(pending)s
			and (media_next_attempt_at <= %(now)s or (media_next_attempt_at is null and creation <= %(stale)s))
			order by creation limit %(limit)s""",
			{"pending": MediaStatus.PENDING, "now": now, "stale": stale_before, "limit": limit},
		)

	def save_file(self, job: MediaJob, filename: str, content: bytes, mime_type: str | None) -> str:
		"""A private File attached to the row (its `media_file`); the row is Downloaded."""
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": filename,
				"attached_to_doctype": MESSAGE_LOG,
				"attached_to_name": job.name,
				"attached_to_field": "media_file",
				"is_private": 1,
				"content": content,
			}
		)
		file.save(ignore_permissions=True)
		values = {"media_file": file.file_url, "media_size": len(content), "media_error": None}
		self._save(job, MediaStatus.DOWNLOADED, job.attempts + 1, None, **values)
		return file.file_url

	def save_state(
		self, job: MediaJob, status: MediaStatus, error: str, attempts: int, retry_at: datetime | None
	) -> None:
		self._save(job, status, attempts, retry_at, media_error=error)

	def _save(
		self, job: MediaJob, status: MediaStatus, attempts: int, retry_at: datetime | None, **values: object
	) -> None:
		message_log.save_media(
			job.name,
			{"media_status": status, "media_attempts": attempts, "media_next_attempt_at": retry_at, **values},
		)
		frappe.db.commit()
