"""The checks around one WhatsApp Web send in the session host: the caller's deadline for the
click (`click_by`, epoch seconds) and its idempotency key (never clicked twice)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from whatsapp_integration.core.errors import SendFailed, SendInDoubt
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.web.states import SessionState
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.session_host.pacing import SendPacer
from whatsapp_integration.session_host.sender import WebSender
from whatsapp_integration.session_host.sent_keys import SentKeys

LATE = _(
	"The send was not made: its deadline passed {where} (the caller stopped waiting for it). "
	"Nothing went to WhatsApp; it will be retried."
)
ALREADY_CLICKED = _(
	"This message (idempotency key {key!r}) was already sent through WhatsApp Web and its outcome "
	"is unknown, so it was not sent again: check the chat on the phone."
)


@dataclass(frozen=True)
class SendGuard:
	keys: SentKeys
	key: str | None = None
	click_by: float | None = None

	@contextmanager
	def turn(self, lock: threading.Lock) -> Iterator[None]:
		"""Wait for the device's previous send, at most until the deadline."""
		timeout = -1 if self.click_by is None else max(0.0, self.click_by - time.time())
		if not lock.acquire(timeout=timeout):
			raise SendFailed(LATE.format(where=_("while the device's previous send ran")))
		try:
			yield
		finally:
			lock.release()

	def earlier_receipt(self) -> SendReceipt | None:
		"""The receipt of this key's earlier send; `SendInDoubt` if it was clicked without one."""
		found = self.keys.lookup(self.key) if self.key else False
		if found is True:
			raise SendInDoubt(ALREADY_CLICKED.format(key=self.key))
		return found or None

	def remaining(self, where: str) -> float:
		"""Seconds left until the deadline; refuses the send once it has passed."""
		if self.click_by is None:
			return float("inf")
		left = self.click_by - time.time()
		if left <= 0:
			raise SendFailed(LATE.format(where=where))
		return left

	def clicking(self) -> None:
		"""Right before the click: check the deadline once more and record the click."""
		self.remaining(_("before the send button was clicked"))
		if self.key and not self.keys.claim(self.key):
			raise SendInDoubt(ALREADY_CLICKED.format(key=self.key))

	def send(
		self,
		web: Callable[..., WebSender],
		pacer: SendPacer,
		device: str,
		to: str,
		text: str,
		max_wait: float,
	) -> SendReceipt:
		"""Send with the sender `web(before_send=...)` builds: the click waits for its pacing slot
		(booked only within the deadline), then the deadline is checked and the click recorded."""

		def before_click() -> None:
			time.sleep(pacer.reserve(device, min(max_wait, self.remaining(_("before the pacing slot")))))
			self.clicking()

		try:
			receipt = web(before_send=before_click).send_text(to, text)
		finally:
			pacer.record_send(device)
		if self.key:
			self.keys.confirm(self.key, receipt)
		return receipt


def not_ready(device: str, state: SessionState) -> str:
	"""Why a device cannot send now, and what to do."""
	return _(
		"The WhatsApp Web session of device {device} is {state}, not WORKING. Open the device, "
		"click Link and scan the QR code with the phone; the message will be retried."
	).format(device=device, state=state.value)
