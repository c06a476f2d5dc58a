"""The Redis protocol between callers and the session host: keys, commands, replies, errors.

Callers LPUSH a command (JSON) on `<namespace>commands` and BRPOP its reply from
`<namespace>reply:<id>`. The host refreshes `<namespace>heartbeat` (with a TTL) while it
runs; no heartbeat means no host. `<namespace>last_beat` keeps the last heartbeat without a
TTL, so callers can tell since when a host is gone. A command carries a deadline: the host
drops commands whose caller has already given up. A send also carries `click_by`, the latest
time for its click (checked again right before it), and the Message Log's idempotency `key`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from whatsapp_integration.core import errors
from whatsapp_integration.core.i18n import _, from_data, sentence_of, to_data

HEARTBEAT_TTL = 15.0
ACTIONS = ("ping", "start", "stop", "logout", "status", "send", "canary", "sweep")


def keys(namespace: str) -> dict[str, str]:
	return {
		"commands": f"{namespace}commands",
		"heartbeat": f"{namespace}heartbeat",
		"last_beat": f"{namespace}last_beat",
	}


def reply_key(namespace: str, command_id: str) -> str:
	return f"{namespace}reply:{command_id}"


@dataclass(frozen=True)
class Command:
	action: str
	device: str = ""
	args: dict[str, Any] = field(default_factory=dict)
	deadline: float = 0.0
	id: str = field(default_factory=lambda: uuid.uuid4().hex)

	def encode(self) -> str:
		return json.dumps(asdict(self))

	@classmethod
	def decode(cls, raw: bytes | str) -> Command:
		data = json.loads(raw)
		return cls(
			data["action"],
			data.get("device", ""),
			data.get("args") or {},
			data.get("deadline", 0.0),
			data["id"],
		)

	def expired(self) -> bool:
		return bool(self.deadline) and time.time() > self.deadline


# Errors the host may report, rebuilt on the caller's side as the same class.
_REMOTE_ERRORS: dict[str, type[errors.WhatsAppError]] = {
	cls.__name__: cls
	for cls in (
		errors.WhatsAppError,
		errors.ConfigurationError,
		errors.DeviceUnavailable,
		errors.InvalidPhoneNumber,
		errors.RateLimited,
		errors.SendFailed,
		errors.IllegalSessionTransition,
		errors.BrowserUnavailable,
		errors.DriverPoolExhausted,
		errors.SessionHostUnavailable,
		errors.WebSessionNotReady,
		errors.WebSessionLoggedOut,
		errors.WebRecipientInvalid,
		errors.RecipientNotOnWhatsApp,
		errors.SendInDoubt,
	)
}


def error_reply(error: Exception) -> dict[str, Any]:
	"""The reply carrying `error`; its message keeps its template and values (`text`), so the
	desk can show it in the user's language."""
	if not isinstance(error, errors.WhatsAppError):
		message = _("The session host failed: {error}").format(error=str(error))
		return {"ok": False, "error": "WhatsAppError", "message": message, "text": to_data(message)}
	action = getattr(error, "action", None)
	return {
		"ok": False,
		"error": type(error).__name__,
		"message": str(error),
		"text": to_data(sentence_of(error)),
		"retry_after": getattr(error, "retry_after", None),
		"action": action.value if action else None,
	}


def rebuild_error(reply: dict[str, Any]) -> errors.WhatsAppError:
	"""The host's error as an instance of the same class, with its message, action and retry_after."""
	cls = _REMOTE_ERRORS.get(reply.get("error", ""), errors.WhatsAppError)
	message = from_data(reply.get("text") or reply.get("message") or _("The session host failed."))
	error = cls.__new__(cls)
	Exception.__init__(error, message)
	if issubclass(cls, errors.SendFailed):
		action = errors.ErrorAction(reply["action"]) if reply.get("action") else errors.ErrorAction.RETRY
		error.reason, error.action = message, action
		error.code = error.http_status = error.title = error.details = None
		error.subcode = error.fbtrace_id = error.is_transient = None
	if issubclass(cls, errors.RateLimited):
		error.retry_after = float(reply.get("retry_after") or 0.0)
	return error
