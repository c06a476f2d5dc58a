"""Meta's webhook endpoint: `/api/method/whatsapp_integration.api.webhook.receive`, also served
at the readable path `/whatsapp/webhook` (configure either as the Callback URL in Meta's app).

GET answers the subscription handshake. POST checks the size and the signature of the raw
body, stores it in the `WhatsApp Webhook Event` inbox, queues its processing and answers 200
at once. Answers are plain text without detail; rejections are counted and logged without the
body or any secret. Storing and processing belong to the inbox service (`services.webhook_inbox`).
"""

from __future__ import annotations

import logging
import time

import frappe
from werkzeug.wrappers import Response

from whatsapp_integration.core.errors import InvalidSignature, InvalidWebhookPayload
from whatsapp_integration.core.webhook import verify_handshake, verify_signature
from whatsapp_integration.operations.webhook_rejections import count_rejection
from whatsapp_integration.site.services import webhook_inbox
from whatsapp_integration.site.settings import get_config

READABLE_PATH = "whatsapp/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
DRAIN_JOB = "whatsapp_integration.tasks.drain_webhook_inbox"
LOGGER = "whatsapp_integration.webhook"
_drain_queued_at: dict[str, int] = {}  # site -> the second this process last queued a drain


@frappe.whitelist(allow_guest=True, methods=["GET", "POST"])
def receive() -> Response:
	"""Never raises: any failure is a bare 500 (Meta retries), with the traceback in Error Log."""
	try:
		if frappe.request.method == "GET":
			return _handshake()
		return _accept()
	except Exception:
		_record_failure()
		return _plain(500)


def _record_failure() -> None:
	"""The traceback goes to Error Log; if even that fails (database down), to the log file."""
	try:
		frappe.db.rollback()
		frappe.log_error(title="WhatsApp webhook could not be stored")
		frappe.db.commit()
	except Exception:
		_logger().exception("webhook request failed and could not be written to Error Log")


class WebhookPage:
	"""Serves `receive` at `/whatsapp/webhook` (a `page_renderer` hook)."""

	def __init__(self, path: str | None = None, http_status_code: int | None = None) -> None:
		self.path = (path or "").strip("/ ")

	def can_render(self) -> bool:
		return self.path == READABLE_PATH

	def render(self) -> Response:
		return receive()


def _handshake() -> Response:
	args = frappe.request.args
	try:
		challenge = verify_handshake(
			args.get("hub.mode"),
			args.get("hub.verify_token"),
			args.get("hub.challenge"),
			get_config().webhook_verify_token,
		)
	except InvalidSignature:
		return _reject(403, "handshake")
	return _plain(200, challenge)


def _accept() -> Response:
	config = get_config()
	limit = config.webhook_max_body_bytes
	if (frappe.request.content_length or 0) > limit:
		return _reject(413, "too_large")
	raw = frappe.request.get_data()
	if len(raw) > limit:
		return _reject(413, "too_large")
	header = frappe.request.headers.get(SIGNATURE_HEADER)
	try:
		verify_signature(raw, header, config.app_secret)
	except InvalidSignature:
		return _reject(403 if header else 401, "bad_signature" if header else "missing_signature")
	try:
		webhook_inbox().accept(raw)
	except InvalidWebhookPayload:
		return _reject(400, "invalid_json")
	frappe.db.commit()  # durable before the 200: the scheduler finds it even if the queue is down
	enqueue_processing()
	return _plain(200, "OK")


def enqueue_processing() -> None:
	"""Queue a drain of the inbox: one job per second at most (the job id is the second), each
	processing every ready row, so a burst costs a few jobs instead of one per POST. A row the
	running drain just missed is taken by the next second's job or by the scheduler; when Redis
	is down, the scheduler picks everything up."""
	second = int(time.time())
	if _drain_queued_at.get(frappe.local.site) == second:
		return  # this process queued this second's drain already: skip the Redis round trips
	try:
		frappe.enqueue(DRAIN_JOB, queue="short", job_id=f"whatsapp-webhook-drain::{second}", deduplicate=True)
		_drain_queued_at[frappe.local.site] = second
	except Exception:
		_logger().warning("webhook event stored but no drain queued; the scheduler will process it")


def _reject(status: int, reason: str) -> Response:
	"""Count and log a refused request: reason, status, client address and size, nothing else."""
	count_rejection(reason)
	_logger().warning(
		"webhook request refused: reason=%s status=%s remote=%s bytes=%s",
		reason,
		status,
		frappe.request.remote_addr,
		frappe.request.content_length,
	)
	return _plain(status)


def _logger() -> logging.Logger:
	"""`logs/whatsapp_integration.webhook.log` (bench and site). Frappe's default level outside
	`bench serve` is ERROR; refusals are warnings, so this logger keeps WARNING and above."""
	logger = frappe.logger(LOGGER)
	logger.setLevel(logging.WARNING)
	return logger


def _plain(status: int, text: str = "") -> Response:
	return Response(text, status=status, mimetype="text/plain")
