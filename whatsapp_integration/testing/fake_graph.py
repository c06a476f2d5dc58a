"""A fake Meta Graph API: a real HTTP server on 127.0.0.1 for tests and benchmarks.

It answers the calls the app makes the way Meta does (message ids, error bodies), records
every request, and can be scripted to fail. Used in-process by the framework-free tests and
as a separate process by the bench tests and benchmarks, which script it over HTTP:

	python -m whatsapp_integration.testing.fake_graph --port 8765

Control endpoints (not Meta's): `GET /_fake/requests`, `POST /_fake/reset`,
`POST /_fake/fail` (body: the arguments of `FakeGraphApi.fail_next`), `POST /_fake/templates`,
`POST /_fake/repeat_wamid` (body: `{"times": n}`).

Areas add Meta endpoints in their own modules (`testing/fake_graph_<area>.py`): a function
`route(state, request) -> Reply | None` appended to `ROUTES` answers the requests it knows
(`None` passes them on) and keeps its data in `state.area(<name>)`. A reply whose payload is
`bytes` goes out as a file (`content_type` from the third element, e.g. media downloads).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from whatsapp_integration.testing.local_server import LocalHttpServer

_MESSAGES = re.compile(r"^/v[\d.]+/(?P<phone_number_id>[^/]+)/messages$")
_TEMPLATES = re.compile(r"^/v[\d.]+/(?P<waba_id>[^/]+)/message_templates$")
_SUBSCRIBED = re.compile(r"^/v[\d.]+/(?P<waba_id>[^/]+)/subscribed_apps$")
_NODE = re.compile(r"^/v[\d.]+/(?P<node_id>[^/]+)$")


@dataclass
class RecordedRequest:
	method: str
	path: str
	headers: dict[str, str]
	body: Any

	def to_dict(self) -> dict[str, Any]:
		return {"method": self.method, "path": self.path, "headers": self.headers, "body": self.body}


@dataclass
class ScriptedFailure:
	code: int | None
	http_status: int
	message: str
	times: int
	to: str | None = None
	delay: float = 0.0
	details: str | None = None
	subcode: int | None = None
	is_transient: bool | None = None
	fbtrace_id: str = "FAKETRACE"

	def body(self) -> dict[str, Any]:
		error: dict[str, Any] = {
			"message": self.message,
			"type": "OAuthException",
			"fbtrace_id": self.fbtrace_id,
		}
		if self.code is not None:
			error["code"] = self.code
		if self.subcode is not None:
			error["error_subcode"] = self.subcode
		if self.is_transient is not None:
			error["is_transient"] = self.is_transient
		if self.details:
			error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
		return {"error": error}


@dataclass
class FakeGraphState:
	access_token: str | None = None
	requests: list[RecordedRequest] = field(default_factory=list)
	failures: list[ScriptedFailure] = field(default_factory=list)
	templates: list[dict[str, Any]] = field(default_factory=list)
	# Answer this many of the next sends with the previous wamid (Meta has been seen to).
	repeat_wamid: int = 0
	last_wamid: str | None = None
	record_bodies: bool = True
	lock: threading.Lock = field(default_factory=threading.Lock)
	ids: itertools.count = field(default_factory=lambda: itertools.count(1))
	# Message ids stay unique across runs against one database.
	run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10].upper())
	areas: dict[str, dict[str, Any]] = field(default_factory=dict)

	def area(self, name: str) -> dict[str, Any]:
		"""The mutable data of one area's endpoints (hold `lock` while changing it)."""
		return self.areas.setdefault(name, {})


@dataclass(frozen=True)
class FakeRequest:
	method: str
	path: str
	query: str
	headers: dict[str, str]
	raw: bytes
	body: Any  # the decoded JSON body, or None


Reply = tuple[int, Any] | tuple[int, bytes, str]
ROUTES: list[Callable[[FakeGraphState, FakeRequest], Reply | None]] = []
"""Extra Meta endpoints, tried in order before the built-in ones (see the module docstring)."""


class FakeGraphApi(LocalHttpServer):
	"""Start with `with FakeGraphApi() as api:`; `api.url` is the Graph API base URL."""

	thread_name = "fake-graph"

	def __init__(self, access_token: str | None = None, port: int = 0, record_bodies: bool = True) -> None:
		self.state = FakeGraphState(access_token=access_token, record_bodies=record_bodies)
		super().__init__(_Handler, self.state, port)

	@property
	def requests(self) -> list[RecordedRequest]:
		with self.state.lock:
			return list(self.state.requests)

	def message_requests(self) -> list[RecordedRequest]:
		return [request for request in self.requests if request.path.endswith("/messages")]

	def fail_next(
		self,
		code: int | None,
		http_status: int = 400,
		message: str = "(#0) scripted failure",
		times: int = 1,
		to: str | None = None,
		delay: float = 0.0,
		details: str | None = None,
		**meta: Any,
	) -> None:
		"""Answer the next `times` message sends (to `to` only, if given) with this error.
		`delay` sleeps before answering, to provoke client timeouts; `meta` sets Meta's
		`subcode`, `is_transient` and `fbtrace_id` of the error."""
		failure = ScriptedFailure(code, http_status, message, times, to, delay, details, **meta)
		with self.state.lock:
			self.state.failures.append(failure)

	def repeat_wamid(self, times: int = 1) -> None:
		"""Answer the next `times` successful sends with the wamid of the send before."""
		with self.state.lock:
			self.state.repeat_wamid = times

	def set_templates(self, templates: list[dict[str, Any]]) -> None:
		with self.state.lock:
			self.state.templates = list(templates)

	def reset(self) -> None:
		with self.state.lock:
			self.state.requests.clear()
			self.state.failures.clear()
			self.state.repeat_wamid, self.state.last_wamid = 0, None
			self.state.areas.clear()


class _Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	state: FakeGraphState

	def setup(self) -> None:
		super().setup()
		# Headers and body go out in separate writes; without this, Nagle's algorithm and
		# delayed ACKs add ~40 ms to every keep-alive request.
		self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

	def log_message(self, format: str, *args: Any) -> None:
		"""Quiet: benchmarks send thousands of requests."""

	def do_GET(self) -> None:
		self._handle("GET")

	def do_POST(self) -> None:
		self._handle("POST")

	def do_DELETE(self) -> None:
		self._handle("DELETE")

	def _handle(self, method: str) -> None:
		path, _, query = self.path.partition("?")
		raw = self._read_raw()
		body = _decode_json(raw, self.headers.get("Content-Type") or "")
		if path.startswith("/_fake/"):
			self._reply(*_control(self.state, method, path, body))
			return
		self._record(method, path, body)
		request = FakeRequest(method, path, query, dict(self.headers.items()), raw, body)
		self._reply(*_route(self.state, request))

	def _read_raw(self) -> bytes:
		length = int(self.headers.get("Content-Length") or 0)
		return self.rfile.read(length) if length else b""

	def _record(self, method: str, path: str, body: Any) -> None:
		headers = {"Authorization": self.headers.get("Authorization", "")}
		recorded = RecordedRequest(method, path, headers, body if self.state.record_bodies else None)
		with self.state.lock:
			self.state.requests.append(recorded)

	def _reply(self, status: int, payload: Any, content_type: str = "application/json") -> None:
		data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(data)))
		self.end_headers()
		self.wfile.write(data)


def _decode_json(raw: bytes, content_type: str) -> Any:
	"""The JSON body; None for no body and for uploads (multipart or binary), which routes read raw."""
	if not raw or content_type.startswith(("multipart/", "application/octet-stream", "image/", "video/")):
		return None
	try:
		return json.loads(raw)
	except ValueError:
		return {"_invalid_json": raw.decode("utf-8", "replace")}


def _route(state: FakeGraphState, request: FakeRequest) -> Reply:
	# Meta takes the token as "Bearer <token>", and as "OAuth <token>" on resumable upload sessions
	if state.access_token and request.headers.get("Authorization") not in (
		f"Bearer {state.access_token}",
		f"OAuth {state.access_token}",
	):
		return 401, ScriptedFailure(190, 401, "Error validating access token: Session has expired.", 1).body()
	for route in ROUTES:
		reply = route(state, request)
		if reply is not None:
			return reply
	return _builtin_route(state, request.method, request.path, request.body)


def _builtin_route(state: FakeGraphState, method: str, path: str, body: Any) -> tuple[int, Any]:
	if method == "POST" and (match := _MESSAGES.match(path)):
		return _send_message(state, match["phone_number_id"], body)
	if method == "GET" and _TEMPLATES.match(path):
		with state.lock:
			return 200, {"data": list(state.templates), "paging": {}}
	if method == "POST" and _SUBSCRIBED.match(path):
		return 200, {"success": True}
	if method == "GET" and (match := _NODE.match(path)):
		return 200, {"id": match["node_id"], "display_phone_number": "+1 555 0100", "verified_name": "Fake"}
	return 404, ScriptedFailure(100, 404, f"Unknown path components: {path}", 1).body()


def _send_message(state: FakeGraphState, phone_number_id: str, body: Any) -> tuple[int, Any]:
	failure = _take_failure(state, body)
	if failure:
		time.sleep(failure.delay)
		return failure.http_status, failure.body()
	problem = _payload_problem(body)
	if problem:
		return 400, ScriptedFailure(100, 400, f"(#100) {problem}", 1).body()
	with state.lock:
		if state.repeat_wamid and state.last_wamid:
			state.repeat_wamid -= 1
		else:
			state.last_wamid = f"wamid.FAKE{phone_number_id}.{state.run_id}.{next(state.ids):09d}"
		wamid = state.last_wamid
	to = body["to"]
	return 200, {
		"messaging_product": "whatsapp",
		"contacts": [{"input": to, "wa_id": to}],
		"messages": [{"id": wamid}],
	}


def _take_failure(state: FakeGraphState, body: Any) -> ScriptedFailure | None:
	to = body.get("to") if isinstance(body, dict) else None
	with state.lock:
		for failure in state.failures:
			if failure.to is None or failure.to == to:
				failure.times -= 1
				if failure.times <= 0:
					state.failures.remove(failure)
				return failure
	return None


def _payload_problem(body: Any) -> str | None:
	"""The checks Meta makes that our senders must never trip."""
	if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
		return "messaging_product must be whatsapp"
	if not re.fullmatch(r"\d{6,15}", str(body.get("to", ""))):
		return "to must be the recipient's digits without +"
	kind = body.get("type")
	content = body.get(kind) if isinstance(kind, str) else None
	if not isinstance(content, dict):
		return f"missing {kind} object"
	if kind == "text" and not (0 < len(content.get("body") or "") <= 4096):
		return "text.body must have 1 to 4096 characters"
	if kind == "template":
		for component in content.get("components") or []:
			if any(not _parameter_value(parameter) for parameter in component.get("parameters", [])):
				return "Parameter value is empty"
	if kind in ("image", "document", "video", "audio", "sticker") and len({"id", "link"} & set(content)) != 1:
		return f"{kind} needs exactly one of id and link"
	if kind == "interactive":
		return _interactive_problem(content)
	return None


def _interactive_problem(content: dict[str, Any]) -> str | None:
	"""Meta's limits on reply buttons (3, title 20), lists (button 20, 10 rows) and CTA URLs."""
	action = content.get("action") or {}
	if content.get("type") not in ("button", "list", "cta_url") or not (content.get("body") or {}).get(
		"text"
	):
		return "interactive needs a type (button, list, cta_url) and body.text"
	if content["type"] == "button":
		buttons = action.get("buttons") or []
		if not 1 <= len(buttons) <= 3 or any(len(b["reply"]["title"]) > 20 for b in buttons):
			return "buttons: 1 to 3 reply buttons with titles of at most 20 characters"
	if content["type"] == "list":
		rows = [row for section in action.get("sections") or [] for row in section.get("rows") or []]
		if not 0 < len(action.get("button") or "") <= 20 or not 1 <= len(rows) <= 10:
			return "list: a button label of 1 to 20 characters and 1 to 10 rows"
	if content["type"] == "cta_url" and not (action.get("parameters") or {}).get("url"):
		return "cta_url: action.parameters needs display_text and url"
	return None


def _parameter_value(parameter: dict[str, Any]) -> Any:
	"""A template parameter's value: the member named by its type (text, payload, document, ...)."""
	value = parameter.get(parameter.get("type") or "")
	return value.strip() if isinstance(value, str) else value


def _control(state: FakeGraphState, method: str, path: str, body: Any) -> tuple[int, Any]:
	if path == "/_fake/requests":
		with state.lock:
			return 200, [request.to_dict() for request in state.requests]
	if method == "POST" and path == "/_fake/reset":
		with state.lock:
			state.requests.clear()
			state.failures.clear()
			state.repeat_wamid, state.last_wamid = 0, None
			state.areas.clear()
		return 200, {"ok": True}
	if method == "POST" and path == "/_fake/fail":
		with state.lock:
			state.failures.append(ScriptedFailure(**{"message": "(#0) scripted failure", "times": 1, **body}))
		return 200, {"ok": True}
	if method == "POST" and path == "/_fake/repeat_wamid":
		with state.lock:
			state.repeat_wamid = int((body or {}).get("times", 1))
		return 200, {"ok": True}
	if method == "POST" and path == "/_fake/templates":
		with state.lock:
			state.templates = list(body or [])
		return 200, {"ok": True}
	return 404, {"error": "unknown control path"}


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--port", type=int, default=8765)
	parser.add_argument("--access-token", default=None)
	parser.add_argument("--no-bodies", action="store_true", help="record paths only (long benchmarks)")
	args = parser.parse_args()
	# Under `python -m` this module is __main__: serve the package's module, whose ROUTES the
	# area modules extend when imported.
	from whatsapp_integration.testing import (
		fake_graph,
		fake_graph_chat,
		fake_graph_doctor,
		fake_graph_media,
		fake_graph_media_upload,
		fake_graph_numbers,
		fake_graph_templates,
	)

	api = fake_graph.FakeGraphApi(
		access_token=args.access_token, port=args.port, record_bodies=not args.no_bodies
	)
	print(f"fake Graph API on {api.url}", flush=True)
	try:
		api.serve_forever()
	except KeyboardInterrupt:
		api.stop()


if __name__ == "__main__":
	main()
