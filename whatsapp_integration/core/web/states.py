"""The states of a WhatsApp Web session (as WAHA names them) and the moves between them."""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field
from typing import Any

from whatsapp_integration.core.errors import IllegalSessionTransition


class SessionState(str, enum.Enum):
	STOPPED = "STOPPED"
	STARTING = "STARTING"
	SCAN_QR_CODE = "SCAN_QR_CODE"
	WORKING = "WORKING"
	FAILED = "FAILED"


_ALLOWED: dict[SessionState, frozenset[SessionState]] = {
	SessionState.STOPPED: frozenset({SessionState.STARTING}),
	SessionState.STARTING: frozenset(
		{SessionState.SCAN_QR_CODE, SessionState.WORKING, SessionState.FAILED, SessionState.STOPPED}
	),
	SessionState.SCAN_QR_CODE: frozenset({SessionState.WORKING, SessionState.FAILED, SessionState.STOPPED}),
	SessionState.WORKING: frozenset({SessionState.FAILED, SessionState.STOPPED}),
	SessionState.FAILED: frozenset({SessionState.STARTING, SessionState.STOPPED}),
}

HISTORY_LIMIT = 50  # transitions kept per session
ACTIVE_STATES = frozenset({SessionState.STARTING, SessionState.SCAN_QR_CODE, SessionState.WORKING})
_DEVICE_STATUS = {SessionState.WORKING: "Active", SessionState.FAILED: "Error"}


def device_status(state: SessionState) -> str:
	"""The WhatsApp Device `status` (Active/Inactive/Error) of a Web device whose session is in
	`state`: what list views, filters and cards read without knowing about sessions."""
	return _DEVICE_STATUS.get(state, "Inactive")


def can_move(current: SessionState, target: SessionState) -> bool:
	return target in _ALLOWED[current]


def check_move(device: str, current: SessionState, target: SessionState) -> None:
	"""Raise `IllegalSessionTransition` unless `current -> target` is allowed."""
	if not can_move(current, target):
		raise IllegalSessionTransition(device, current.value, target.value)


@dataclass(frozen=True)
class Transition:
	"""One entry of a session's history: the state entered, when (epoch seconds) and why."""

	state: SessionState
	at: float
	reason: str = ""

	def to_dict(self) -> dict[str, Any]:
		return {"state": self.state.value, "at": self.at, "reason": self.reason}


@dataclass(frozen=True)
class SessionSnapshot:
	"""A session as callers and the Device see it (no driver, safe to serialise)."""

	device: str
	state: SessionState
	history: tuple[Transition, ...] = ()
	qr_ref: str | None = None
	qr_png: bytes | None = field(default=None, repr=False)
	qr_at: float | None = None
	last_seen: float | None = None
	linked_number: str | None = None
	"""The number of the phone that linked the session (+E.164), when WhatsApp Web tells it."""

	@property
	def reason(self) -> str:
		return self.history[-1].reason if self.history else ""

	def to_dict(self, with_qr: bool = False) -> dict[str, Any]:
		data: dict[str, Any] = {
			"device": self.device,
			"state": self.state.value,
			"reason": self.reason,
			"history": [entry.to_dict() for entry in self.history],
			"qr_at": self.qr_at,
			"last_seen": self.last_seen,
			"linked_number": self.linked_number,
		}
		if with_qr and self.qr_png:
			data["qr_png_base64"] = base64.b64encode(self.qr_png).decode("ascii")
		return data
