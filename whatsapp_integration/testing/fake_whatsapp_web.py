"""A fake WhatsApp Web on 127.0.0.1 for tests and benchmarks: a real HTTP server and page.

It behaves like the parts of web.whatsapp.com the session host reads: a QR code whose
`data-ref` rotates every `rotate_seconds`, the chat list once the code is "scanned", a
`/send?phone=&text=` chat with a compose box, a send button and a bubble that gets a sent
tick, a popup for invalid numbers and for numbers not on WhatsApp, and a logged-out page once
the server revokes the session. A login is a token in the browser profile's localStorage,
so a browser restarted on the same profile is still linked.

Control endpoints (not WhatsApp's): `POST /_fake/scan` `{"ref": ..., "phone": ...}` links
whoever shows that code to the phone's number (WhatsApp Web then keeps the account's id in
localStorage `last-wid-md`, like the real page); `POST /_fake/logout` revokes every login; `POST /_fake/not_on_whatsapp`
`{"phones": [...]}`; `POST /_fake/hold_ticks` `{"hold": true}`; `GET /_fake/messages`;
`GET /_fake/pending` (the codes waiting for a scan); `POST /_fake/incoming`
`{"phone", "text", "kind", "name"}` delivers a message from that contact (its chat shows an
unread badge until the page opens it; kind `text`, `image`, `video`, `audio`, `document` or
`sticker`), answering its WhatsApp Web id (`false_<phone>@c.us_<id>`).

	python -m whatsapp_integration.testing.fake_whatsapp_web --port 8766
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from whatsapp_integration.testing.local_server import LocalHttpServer

PAGE_DIR = Path(__file__).with_name("fake_whatsapp_web")
INVALID_NUMBER = "Phone number shared via url is invalid."
SCANNING_PHONE = "4915112345678"


@dataclass
class _Pairing:
	ref: str
	issued: float
	token: str | None = None
	wid: str = ""


@dataclass
class FakeWebState:
	rotate_seconds: float
	qr_attribute: bool
	pairings: dict[str, _Pairing] = field(default_factory=dict)
	tokens: set[str] = field(default_factory=set)
	messages: list[dict[str, Any]] = field(default_factory=list)
	not_on_whatsapp: set[str] = field(default_factory=set)
	hold_ticks: bool = False
	incoming: list[dict[str, Any]] = field(default_factory=list)
	issued_refs: int = 0
	lock: threading.Lock = field(default_factory=threading.Lock)
	ids: itertools.count = field(default_factory=lambda: itertools.count(1))


class FakeWhatsAppWeb(LocalHttpServer):
	"""`with FakeWhatsAppWeb() as web:`; `web.url` is the base URL to put in the config."""

	thread_name = "fake-wa-web"

	def __init__(self, rotate_seconds: float = 20.0, qr_attribute: bool = True, port: int = 0) -> None:
		self.state = FakeWebState(rotate_seconds=rotate_seconds, qr_attribute=qr_attribute)
		super().__init__(_Handler, self.state, port)

	def scan(self, ref: str, phone: str = SCANNING_PHONE) -> bool:
		"""What the phone with number `phone` does: link the page that shows the code `ref`
		(only the current one)."""
		return _scan(self.state, ref, phone)

	def pending_refs(self) -> list[str]:
		"""The codes pages show right now, waiting for a scan (newest last)."""
		return _get(self.state, "/_fake/pending", {})[1]["refs"]

	def logout_all(self) -> None:
		with self.state.lock:
			self.state.tokens.clear()

	def set_not_on_whatsapp(self, *phones: str) -> None:
		with self.state.lock:
			self.state.not_on_whatsapp = {phone.lstrip("+") for phone in phones}

	def hold_ticks(self, hold: bool) -> None:
		with self.state.lock:
			self.state.hold_ticks = hold

	def incoming(
		self, phone: str, text: str | None = None, kind: str = "text", name: str | None = None
	) -> str:
		"""A message from `phone` to the linked account; its WhatsApp Web id."""
		body = {"phone": phone, "text": text, "kind": kind, "name": name}
		return _post(self.state, "/_fake/incoming", body)[1]["id"]

	@property
	def messages(self) -> list[dict[str, Any]]:
		with self.state.lock:
			return list(self.state.messages)

	@property
	def issued_refs(self) -> int:
		with self.state.lock:
			return self.state.issued_refs


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	state: FakeWebState

	def do_GET(self) -> None:
		parts = urlsplit(self.path)
		query = {key: values[0] for key, values in parse_qs(parts.query).items()}
		if parts.path in ("/", "/send"):
			self._file("index.html", "text/html; charset=utf-8")
		elif parts.path == "/app.js":
			self._file("app.js", "application/javascript")
		else:
			self._json(*_get(self.state, parts.path, query))

	def do_POST(self) -> None:
		length = int(self.headers.get("Content-Length") or 0)
		try:
			body = json.loads(self.rfile.read(length) or b"{}")
		except ValueError:
			body = {}
		self._json(*_post(self.state, urlsplit(self.path).path, body))

	def log_message(self, format: str, *args: Any) -> None:
		return

	def _file(self, name: str, content_type: str) -> None:
		self._send(200, (PAGE_DIR / name).read_bytes(), content_type)

	def _json(self, status: int, body: Any) -> None:
		self._send(status, json.dumps(body).encode(), "application/json")

	def _send(self, status: int, data: bytes, content_type: str) -> None:
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(data)))
		self.send_header("Cache-Control", "no-store")
		self.end_headers()
		self.wfile.write(data)


def _get(state: FakeWebState, path: str, query: dict[str, str]) -> tuple[int, Any]:
	with state.lock:
		if path == "/api/config":
			return 200, {"qr_attribute": state.qr_attribute}
		if path == "/api/qr":
			return 200, _qr(state, query.get("pairing") or "")
		if path == "/api/session":
			return 200, {"valid": query.get("token") in state.tokens}
		if path == "/api/contact":
			return 200, _contact(state, query.get("phone") or "", query.get("token") or "")
		if path == "/api/chats":
			return _chats(state, query.get("token") or "")
		if path == "/api/chat":
			return _open_chat(state, query.get("phone") or "", query.get("token") or "")
		if path == "/_fake/messages":
			return 200, {"messages": state.messages}
		if path == "/_fake/pending":
			return 200, {
				"refs": [pairing.ref for pairing in state.pairings.values() if pairing.token is None]
			}
	return 404, {"error": "not found"}


def _post(state: FakeWebState, path: str, body: dict[str, Any]) -> tuple[int, Any]:
	if path == "/_fake/scan":
		scanned = _scan(state, str(body.get("ref") or ""), str(body.get("phone") or SCANNING_PHONE))
		return (200, {"ok": True}) if scanned else (404, {"ok": False})
	with state.lock:
		if path == "/api/messages":
			return _message(state, body)
		if path == "/_fake/incoming":
			return _incoming(state, body)
		if path == "/_fake/logout":
			state.tokens.clear()
		elif path == "/_fake/not_on_whatsapp":
			state.not_on_whatsapp = {str(phone).lstrip("+") for phone in body.get("phones", [])}
		elif path == "/_fake/hold_ticks":
			state.hold_ticks = bool(body.get("hold"))
		else:
			return 404, {"error": "not found"}
	return 200, {"ok": True}


def _qr(state: FakeWebState, pairing_id: str) -> dict[str, Any]:
	"""The current code of a pairing (a new pairing for a new page), rotated when it is old."""
	pairing = state.pairings.get(pairing_id)
	if pairing is None:
		pairing_id = secrets.token_hex(8)
		pairing = state.pairings[pairing_id] = _Pairing(_new_ref(state), time.monotonic())
	elif pairing.token is None and time.monotonic() - pairing.issued >= state.rotate_seconds:
		pairing.ref, pairing.issued = _new_ref(state), time.monotonic()
	return {"pairing": pairing_id, "ref": pairing.ref, "token": pairing.token, "wid": pairing.wid}


def _new_ref(state: FakeWebState) -> str:
	state.issued_refs += 1
	return f"2@{secrets.token_urlsafe(24)},{secrets.token_urlsafe(16)},{state.issued_refs}"


def _scan(state: FakeWebState, ref: str, phone: str) -> bool:
	with state.lock:
		for pairing in state.pairings.values():
			if pairing.ref == ref and pairing.token is None:
				pairing.token = secrets.token_hex(16)
				pairing.wid = f"{phone.lstrip('+')}:12@c.us"
				state.tokens.add(pairing.token)
				return True
	return False


def _contact(state: FakeWebState, phone: str, token: str) -> dict[str, str]:
	if token not in state.tokens:
		return {"status": "logged_out", "message": "You were logged out."}
	if not (phone.isdigit() and 8 <= len(phone) <= 15 and not phone.startswith("0")):
		return {"status": "invalid", "message": INVALID_NUMBER}
	if phone in state.not_on_whatsapp:
		return {"status": "not_on_whatsapp", "message": f"The phone number +{phone} isn't on WhatsApp."}
	return {"status": "ok", "message": ""}


def _message(state: FakeWebState, body: dict[str, Any]) -> tuple[int, Any]:
	if body.get("token") not in state.tokens:
		return 401, {"error": "logged out"}
	message_id = f"3EB0{next(state.ids):04X}{secrets.token_hex(6).upper()}"
	state.messages.append(
		{"id": message_id, "phone": body.get("phone"), "text": body.get("text"), "at": time.monotonic()}
	)
	return 200, {"id": message_id, "held": state.hold_ticks}


def _incoming(state: FakeWebState, body: dict[str, Any]) -> tuple[int, Any]:
	phone = str(body.get("phone") or "").lstrip("+")
	data_id = f"false_{phone}@c.us_3EB0{next(state.ids):04X}{secrets.token_hex(8).upper()}"
	state.incoming.append(
		{
			"id": data_id,
			"phone": phone,
			"name": body.get("name") or f"+{phone}",
			"text": body.get("text") or "",
			"kind": body.get("kind") or "text",
			"read": False,
		}
	)
	return 200, {"id": data_id}


def _chats(state: FakeWebState, token: str) -> tuple[int, Any]:
	"""The chat list: one chat per contact that wrote, with its unread count."""
	if token not in state.tokens:
		return 401, {"error": "logged out"}
	chats: dict[str, dict[str, Any]] = {}
	for message in state.incoming:
		chat = chats.setdefault(
			message["phone"], {"phone": message["phone"], "name": message["name"], "unread": 0}
		)
		chat["unread"] += 0 if message["read"] else 1
	return 200, {"chats": list(chats.values())}


def _open_chat(state: FakeWebState, phone: str, token: str) -> tuple[int, Any]:
	"""The messages of one chat; opening it reads them (the unread badge goes)."""
	if token not in state.tokens:
		return 401, {"error": "logged out"}
	messages = [message for message in state.incoming if message["phone"] == phone]
	for message in messages:
		message["read"] = True
	return 200, {
		"messages": [{key: message[key] for key in ("id", "name", "text", "kind")} for message in messages]
	}


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--port", type=int, default=8766)
	parser.add_argument("--rotate-seconds", type=float, default=20.0)
	arguments = parser.parse_args()
	web = FakeWhatsAppWeb(arguments.rotate_seconds, port=arguments.port).start()
	print(f"fake WhatsApp Web on {web.url}", flush=True)
	try:
		threading.Event().wait()
	except KeyboardInterrupt:
		web.stop()


if __name__ == "__main__":
	main()
