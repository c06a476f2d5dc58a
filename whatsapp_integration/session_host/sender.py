"""`WebSender`: the WhatsAppSender of unofficial mode, driving one linked WhatsApp Web page.

It runs inside the session host, on the browser of a WORKING session. It opens
`<base>/send?phone=<digits>&text=<url-encoded>`, waits for the compose box, clicks send and
waits for the new outgoing bubble to show a sent tick. WhatsApp Web's own failures become
typed errors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By

from whatsapp_integration.core.errors import (
	ErrorAction,
	RecipientNotOnWhatsApp,
	SendFailed,
	SendInDoubt,
	WebRecipientInvalid,
	WebSessionLoggedOut,
)
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.core.phone import digits
from whatsapp_integration.core.web.content import media_as_text, template_refused
from whatsapp_integration.core.web.selectors import SelectorRegistry
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.session_host.browser import ManagedDriver
from whatsapp_integration.session_host.page import PageKind, PageView, probe

_LAST_SENT_JS = """
const bubbles = document.querySelectorAll(arguments[0]);
const last = bubbles[bubbles.length - 1];
if (!last) { return null; }
const tick = last.querySelector(arguments[1]);
const holder = last.closest(arguments[2]) || last.querySelector(arguments[2]);
return {text: last.innerText, sent: !!tick, id: holder ? holder.getAttribute('data-id') : null};
"""


def send_url(base_url: str, to: str, text: str) -> str:
	return f"{base_url.rstrip('/')}/send?phone={digits(to)}&text={quote(text, safe='')}"


class WebSender:
	def __init__(
		self,
		driver: ManagedDriver,
		base_url: str,
		registry: SelectorRegistry,
		timeout: float,
		*,
		poll: float = 0.1,
		before_send: Callable[[], None] | None = None,
	) -> None:
		"""`before_send` runs once the chat is open, right before the click: pacing waits there,
		so the gap is kept between the sends WhatsApp sees, and refused numbers use no slot; it
		may refuse the send (a deadline passed) by raising. Any failure from the click on raises
		`SendInDoubt`: the message may be out, so it must not be sent again."""
		self._driver = driver
		self._base_url = base_url
		self._registry = registry
		self._timeout = timeout
		self._poll = poll
		self._before_send = before_send

	def send_text(self, to: str, text: str, *, callback_data: str | None = None) -> SendReceipt:
		with self._driver.lock:
			try:
				return self._send(to, text)
			except WebDriverException as error:
				raise SendFailed(
					_("The WhatsApp Web browser failed while sending ({error}); it will be retried.").format(
						error=error.msg
					),
					action=ErrorAction.RETRY,
				)
			finally:
				self._driver.last_used = time.monotonic()

	def send_template(self, to: str, template: Template, *, callback_data: str | None = None) -> SendReceipt:
		raise template_refused(template)

	def send_media(self, to: str, media: Media, *, callback_data: str | None = None) -> SendReceipt:
		return self.send_text(to, media_as_text(media), callback_data=callback_data)

	def _send(self, to: str, text: str) -> SendReceipt:
		self._driver.webdriver.get(send_url(self._base_url, to, text))
		view = self._wait(self._chat_or_refusal, _("the chat"))
		self._raise_for_page(view, to)
		before = view.outgoing
		if self._before_send is not None:
			self._before_send()
		try:
			self._click_send()
			self._wait(lambda view: view.outgoing > before, _("the sent message"))
			return SendReceipt(message_id=self._confirm_sent(text), recipient_id=digits(to))
		except Exception as error:
			raise _in_doubt(error)

	def _chat_or_refusal(self, view: PageView) -> bool:
		"""The chat opened, WhatsApp refused (a popup that is not "Starting chat"), or logged out."""
		transient = view.popup and any(
			phrase in view.popup.lower() for phrase in self._registry.texts["transient_popup"]
		)
		return view.compose or bool(view.popup and not transient) or view.kind is PageKind.QR

	def _raise_for_page(self, view: PageView, to: str) -> None:
		if view.popup:
			raise _popup_error(view.popup, to, self._registry)
		if not view.compose:
			raise WebSessionLoggedOut(
				_(
					"WhatsApp Web shows a QR code: the phone unlinked this device. Open the WhatsApp "
					"Device and click Relink, then scan the code with the phone."
				)
			)

	def _click_send(self) -> None:
		self._driver.webdriver.find_element(By.CSS_SELECTOR, self._registry.css("send_button")).click()

	def _confirm_sent(self, text: str) -> str:
		css = self._registry.css
		deadline = time.monotonic() + self._timeout
		while time.monotonic() < deadline:
			last = self._driver.webdriver.execute_script(
				_LAST_SENT_JS, css("outgoing_message"), css("sent_tick"), css("message_id")
			)
			if last and last.get("sent"):
				return last.get("id") or f"web-{uuid.uuid4().hex}"
			time.sleep(self._poll)
		raise TimeoutError(
			f"WhatsApp Web did not confirm the message as sent within {self._timeout:g} s (no tick appeared)"
		)

	def _wait(self, done: Callable[[PageView], Any], what: str) -> PageView:
		deadline = time.monotonic() + self._timeout
		while True:
			view = probe(self._driver.webdriver, self._registry)
			if done(view):
				return view
			if time.monotonic() >= deadline:
				raise SendFailed(
					_(
						"WhatsApp Web did not show {what} within {timeout:g} s. "
						"If this keeps happening, run the selectors canary."
					).format(what=what, timeout=self._timeout),
					action=ErrorAction.RETRY,
				)
			time.sleep(self._poll)


def _in_doubt(error: Exception) -> SendInDoubt:
	detail = getattr(error, "msg", None) or str(error)
	return SendInDoubt(
		_(
			"WhatsApp Web failed after the send button was clicked ({detail}). The message may have "
			"been delivered, so it was not sent again: check the chat on the phone and send it again "
			"only if it is missing."
		).format(detail=detail)
	)


def _popup_error(popup_text: str, to: str, registry: SelectorRegistry) -> SendFailed:
	text = (popup_text.strip().splitlines() or [""])[0]
	lowered = text.lower()
	if any(phrase in lowered for phrase in registry.texts["not_on_whatsapp"]):
		return RecipientNotOnWhatsApp(
			_("{to} is not on WhatsApp (WhatsApp Web said: {text!r}).").format(to=to, text=text)
		)
	if any(phrase in lowered for phrase in registry.texts["invalid_number"]):
		return WebRecipientInvalid(
			_(
				"WhatsApp Web says the phone number {to} is invalid. Check the number and its country code."
			).format(to=to)
		)
	return SendFailed(
		_("WhatsApp Web refused the message: {text!r}.").format(text=text), action=ErrorAction.FIX_INPUT
	)
