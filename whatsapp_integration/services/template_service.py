"""Templates authored in the desk: submitting them to Meta (with the header sample uploaded
through Meta's resumable upload API), and following what Meta says about them afterwards
(status, quality, category) from webhooks and the daily sync.

A template that becomes PAUSED, DISABLED, REJECTED, ... (`core.templates.status.blocks_sending`)
stops the campaigns and notifications that use it through `stop_users(template, reason)`, the
one rule both the webhook path and the sync call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urlencode

from whatsapp_integration.core.errors import ConfigurationError, ErrorAction, GraphApiError, WhatsAppError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.media import MediaFile
from whatsapp_integration.core.templates.components import (
	MEDIA_FORMATS,
	TemplateDraft,
	create_payload,
	edit_payload,
	to_components,
)
from whatsapp_integration.core.templates.records import Submission, TemplateState
from whatsapp_integration.core.templates.status import APPROVED, blocks_sending, edit_refusal, stop_reason
from whatsapp_integration.core.templates.validation import InvalidTemplate, check_draft, sample_problem
from whatsapp_integration.core.webhook.templates import CATEGORY, QUALITY, STATUS, TemplateUpdate

MAX_RESUMES = 2  # an interrupted upload continues from Meta's offset at most this often


class TemplateRefused(WhatsAppError):
	"""Meta refused the template; the message carries Meta's reason."""


class TemplateGraph(Protocol):
	def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]: ...

	def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]: ...

	def upload_chunk(self, path: str, data: bytes, offset: int) -> dict[str, Any]:
		"""POST raw bytes to a resumable upload session, `offset` being where `data` starts."""
		...


class TemplateSubmitter:
	"""Submits one template to the WhatsApp Business Account `waba_id`."""

	def __init__(
		self,
		graph: TemplateGraph,
		*,
		waba_id: str,
		app_id: str,
		read_sample: Callable[[str], MediaFile],
	) -> None:
		self.graph = graph
		self.waba_id = waba_id
		self.app_id = app_id
		self.read_sample = read_sample

	def submit(self, draft: TemplateDraft, *, meta_id: str | None, status: str | None) -> Submission:
		"""Check, upload the header sample, create (or edit, with `meta_id`) the template at Meta."""
		refusal = edit_refusal(status) if meta_id else None
		if refusal:
			raise InvalidTemplate([refusal])
		check_draft(draft)
		if draft.header_format in MEDIA_FORMATS and draft.header_sample:
			draft = replace(draft, header_handle=self.upload_sample(draft.header_format, draft.header_sample))
		try:
			if meta_id:
				self.graph.post(meta_id, edit_payload(draft, status))
				reply: dict[str, Any] = {"id": meta_id, "status": "PENDING"}
			else:
				reply = self.graph.post(f"{self.waba_id}/message_templates", create_payload(draft))
		except GraphApiError as error:
			raise TemplateRefused(refusal_text(error)) from error
		return Submission(
			meta_id=str(reply.get("id") or meta_id or ""),
			status=str(reply.get("status") or "PENDING").upper(),
			category=str(reply.get("category") or draft.category).upper(),
			header_handle=draft.header_handle,
			components=to_components(draft),
		)

	def upload_sample(self, header_format: str, file_url: str) -> str:
		"""Meta's handle of the sample file: start an upload session on the app, send the bytes,
		and after an interruption continue from the offset Meta has."""
		if not self.app_id:
			raise ConfigurationError(
				_(
					"Set the Meta App ID in WhatsApp Integration Settings (Meta app > App settings > Basic): "
					"header samples are uploaded to your app."
				)
			)
		sample = self.read_sample(file_url)
		problem = sample_problem(header_format, sample.mime_type, len(sample.content))
		if problem:
			raise InvalidTemplate([problem])
		query = urlencode(
			{"file_name": sample.filename, "file_length": len(sample.content), "file_type": sample.mime_type}
		)
		session = str(self.graph.post(f"{self.app_id}/uploads?{query}", {}).get("id") or "")
		return self._send(session, sample.content)

	def _send(self, session: str, content: bytes) -> str:
		offset = 0
		for attempt in range(MAX_RESUMES + 1):
			try:
				handle = self.graph.upload_chunk(session, content[offset:], offset).get("h")
			except GraphApiError as error:
				if error.action is not ErrorAction.RETRY or attempt == MAX_RESUMES:
					raise TemplateRefused(
						_("The header sample could not be uploaded: {error}").format(error=error.reason)
					) from error
				offset = int(self.graph.get(session).get("file_offset") or 0)
				continue
			if handle:
				return str(handle)
		raise TemplateRefused(_("Meta's upload answered without a file handle; submit the template again."))


def refusal_text(error: GraphApiError) -> str:
	"""Meta's own explanation (error_user_title / error_user_msg, else details or message)."""
	said = error.details or error.title or error.reason
	codes = "/".join(str(code) for code in (error.code, error.subcode) if code is not None)
	if codes:
		return _("Meta refused the template: {said} (Meta error {codes})").format(said=said, codes=codes)
	return _("Meta refused the template: {said}").format(said=said)


class TemplateStore(Protocol):
	def find(self, template_id: str | None, name: str | None, language: str | None) -> TemplateState | None:
		"""The template row with Meta's id, else with that name and language, or None."""
		...

	def update(self, name: str, changes: dict[str, Any]) -> None:
		"""Write Meta's word about template row `name` (status, status_reason, quality_rating, ...)."""
		...


class TemplateStatusService:
	"""Applies Meta's template updates; `stop_users(template, reason)` stops what uses a template
	that can no longer be sent."""

	def __init__(self, store: TemplateStore, *, stop_users: Callable[[str, str], Any]) -> None:
		self.store = store
		self.stop_users = stop_users

	def apply(self, update: TemplateUpdate) -> bool:
		"""True when the update named one of our templates."""
		state = self.store.find(update.template_id, update.name, update.language)
		if state is None:
			return False
		if update.kind == STATUS and update.status:
			changes = {
				"status": update.status,
				"status_reason": "" if update.status == APPROVED else update.reason or "",
			}
			if update.category:
				changes["category"] = update.category
			self.store.update(state.name, changes)
			self.status_changed(state, update.status, update.reason)
		elif update.kind == QUALITY:
			self.store.update(state.name, {"quality_rating": update.quality})
		elif update.kind == CATEGORY:
			self.store.update(state.name, category_changes(update))
		return True

	def status_changed(self, state: TemplateState, status: str, detail: str | None) -> None:
		"""The rule for every new status (webhook or sync): a blocking one stops the users."""
		if blocks_sending(status) and status != (state.status or "").upper():
			self.stop_users(state.name, stop_reason(state.template_name, state.language, status, detail))


def category_changes(update: TemplateUpdate) -> dict[str, Any]:
	"""A done change sets the category; an announced one (correct_category) is noted."""
	if update.correct_category and not update.previous:
		when = (
			datetime.fromtimestamp(update.category_update_at, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
			if update.category_update_at
			else _("soon")
		)
		return {
			"category_change": _("Meta will change the category to {category} on {when}.").format(
				category=update.correct_category, when=when
			)
		}

	return {"category": update.category, "category_change": ""}
