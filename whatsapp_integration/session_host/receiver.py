"""Receiving on a linked WhatsApp Web session: the chats with an unread badge are opened one by
one and their incoming bubbles read (`core.web.inbound`); messages not handed on before go to the
sink, which stores them through the webhook inbox like Meta's (deduplicated there by their
WhatsApp Web id as wamid). Opening a chat marks it read on the phone too, as on WhatsApp Web.

The receiver works on the device's WORKING session under its `send_lock` (a send never navigates
meanwhile) and never restarts a closed one; a poll of a device still running is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from whatsapp_integration.core.errors import WebSessionNotReady
from whatsapp_integration.core.web.inbound import MEDIA_KINDS, WebInbound, read_web_message
from whatsapp_integration.session_host.supervisor import SessionSupervisor

logger = logging.getLogger(__name__)
CHATS_PER_POLL = 10  # unread chats opened per poll; the next poll goes on
BUBBLES_PER_CHAT = 50  # newest incoming bubbles read in an opened chat
SEEN_PER_DEVICE = 5000  # ids remembered so a bubble is handed on once
Sink = Callable[[str, list[WebInbound]], None]

_READ_JS = """
const css = arguments[0], limit = arguments[1], kinds = arguments[2];
const title = document.querySelector(css.chat_title);
const bubbles = Array.from(document.querySelectorAll(css.incoming_message)).slice(-limit);
return {
	title: title ? (title.getAttribute('title') || title.innerText) : null,
	messages: bubbles.map((bubble) => {
		const holder = bubble.matches(css.message_id) ? bubble : (bubble.closest(css.message_id) || bubble.querySelector(css.message_id));
		const text = bubble.querySelector(css.incoming_text);
		const kind = kinds.find((name) => bubble.querySelector(css['incoming_' + name])) || 'text';
		return {id: holder ? holder.getAttribute('data-id') : null, text: text ? text.innerText : '', kind: kind};
	}),
};
"""
_NAMES = (
	"chat_title",
	"incoming_message",
	"message_id",
	"incoming_text",
	*(f"incoming_{k}" for k in MEDIA_KINDS),
)


class WebReceiver:
	def __init__(
		self,
		supervisor: SessionSupervisor,
		sink: Sink,
		*,
		clock: Callable[[], float] = time.time,
		monotonic: Callable[[], float] = time.monotonic,
		poll: float = 0.1,
	) -> None:
		"""`monotonic` is the supervisor's clock (its idle sweep compares `last_active` with it)."""
		self.supervisor = supervisor
		self._sink = sink
		self._clock = clock
		self._monotonic = monotonic
		self._poll = poll
		self._seen: dict[str, OrderedDict[str, None]] = {}
		self._busy: set[str] = set()
		self._lock = threading.Lock()

	def receive(self, device: str) -> int:
		"""Read the device's unread chats; hand the new messages to the sink; how many."""
		with self._lock:
			if device in self._busy:
				return 0
			self._busy.add(device)
		try:
			return self._receive(device)
		finally:
			with self._lock:
				self._busy.discard(device)

	def _receive(self, device: str) -> int:
		try:
			session = self.supervisor.working(device)
		except WebSessionNotReady:
			return 0
		with session.send_lock:
			driver = session.driver
			if driver is None:
				return 0
			try:
				with driver.lock:
					read = self._read_unread(driver.webdriver)
			except WebDriverException as error:
				logger.warning("could not read incoming WhatsApp Web messages of %s: %s", device, error.msg)
				return 0
		fresh = [message for message in read if self._first_time(device, message.message_id)]
		if fresh:
			session.last_active = self._monotonic()  # a customer wrote: the session is in use
			self._sink(device, fresh)
		return len(fresh)

	def _read_unread(self, webdriver: Any) -> list[WebInbound]:
		found: list[WebInbound] = []
		css = self.supervisor.selectors.css
		for _ in range(CHATS_PER_POLL):
			chats = webdriver.find_elements(By.CSS_SELECTOR, css("unread_chat"))
			if not chats:
				break
			before = self._title(webdriver)
			chats[0].click()
			found += self._read_open_chat(webdriver, before)
		return found

	def _read_open_chat(self, webdriver: Any, previous_title: str | None) -> list[WebInbound]:
		"""Wait (up to the element timeout) for the clicked chat to show its incoming bubbles."""
		css = {name: self.supervisor.selectors.css(name) for name in _NAMES}
		deadline = time.monotonic() + self.supervisor.config.element_timeout
		while True:
			data = webdriver.execute_script(_READ_JS, css, BUBBLES_PER_CHAT, list(MEDIA_KINDS)) or {}
			switched = data.get("title") != previous_title or previous_title is None
			if (switched and data.get("messages")) or time.monotonic() >= deadline:
				break
			time.sleep(self._poll)
		at = int(self._clock())
		messages = (read_web_message(raw, data.get("title"), at) for raw in data.get("messages") or [])
		return [message for message in messages if message is not None]

	def _title(self, webdriver: Any) -> str | None:
		return webdriver.execute_script(
			"const t = document.querySelector(arguments[0]); return t ? (t.getAttribute('title') || t.innerText) : null;",
			self.supervisor.selectors.css("chat_title"),
		)

	def _first_time(self, device: str, message_id: str) -> bool:
		with self._lock:
			seen = self._seen.setdefault(device, OrderedDict())
			if message_id in seen:
				return False
			seen[message_id] = None
			while len(seen) > SEEN_PER_DEVICE:
				seen.popitem(last=False)
			return True
