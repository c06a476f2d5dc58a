"""Reading WhatsApp Web's page: one script call returns what the page shows right now."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from whatsapp_integration.core.web.selectors import SelectorRegistry

_PROBE_JS = """
const css = arguments[0];
const first = (name) => { try { return document.querySelector(css[name]); } catch (e) { return null; } };
const all = (name) => { try { return document.querySelectorAll(css[name]); } catch (e) { return []; } };
const qr = first('qr_code');
const popup = first('popup');
const sent = Array.from(all('outgoing_message'));
const incoming = all('incoming_message').length;
return {
	qr_holder: !!qr,
	qr_ref: qr ? qr.getAttribute('data-ref') : null,
	qr_canvas: !!first('qr_canvas'),
	logged_in: !!first('chat_list'),
	compose: !!first('compose_box'),
	popup: popup ? popup.innerText : null,
	outgoing: sent.length,
	incoming: incoming,
};
"""


class PageKind(enum.Enum):
	LOADING = "loading"
	QR = "qr"
	LOGGED_IN = "logged_in"


@dataclass(frozen=True)
class PageView:
	qr_holder: bool = False
	qr_ref: str | None = None
	qr_canvas: bool = False
	logged_in: bool = False
	compose: bool = False
	popup: str | None = None
	outgoing: int = 0
	incoming: int = 0  # bubbles of an open chat's incoming messages

	@property
	def kind(self) -> PageKind:
		"""Scan detection: the chat list means linked, a QR means waiting for a scan."""
		if self.logged_in:
			return PageKind.LOGGED_IN
		if self.qr_ref or self.qr_canvas:
			return PageKind.QR
		return PageKind.LOADING


def probe(driver: Any, registry: SelectorRegistry) -> PageView:
	names = (
		"qr_code",
		"qr_canvas",
		"chat_list",
		"compose_box",
		"popup",
		"outgoing_message",
		"incoming_message",
	)
	data = driver.execute_script(_PROBE_JS, {name: registry.css(name) for name in names}) or {}
	return PageView(
		qr_holder=bool(data.get("qr_holder")),
		qr_ref=data.get("qr_ref") or None,
		qr_canvas=bool(data.get("qr_canvas")),
		logged_in=bool(data.get("logged_in")),
		compose=bool(data.get("compose")),
		popup=data.get("popup") or None,
		outgoing=int(data.get("outgoing") or 0),
		incoming=int(data.get("incoming") or 0),
	)


# WhatsApp Web keeps the linked account's id in localStorage: "\"4915112345678:12@c.us\"".
_LINKED_WID_JS = "return window.localStorage.getItem('last-wid-md');"


def linked_number(driver: Any) -> str | None:
	"""The number of the phone that linked this browser, as +E.164 digits; None when the page
	does not say (an older or changed WhatsApp Web)."""
	try:
		stored = driver.execute_script(_LINKED_WID_JS)
	except Exception:
		return None
	wid = str(stored or "").strip().strip('"')
	number = wid.split("@", 1)[0].split(":", 1)[0]
	return f"+{number}" if number.isdigit() else None
