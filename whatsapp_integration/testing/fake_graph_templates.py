"""Fake Graph API: template authoring and Meta's resumable upload.

- `POST /{waba_id}/message_templates`: checks the body as Meta does (name, category, example
  counts, a media header's handle issued by this fake's upload) and answers
  `{"id", "status": "PENDING", "category"}`, or HTTP 400 with Meta's error shape including
  `error_user_title` / `error_user_msg`. Created templates join `state.templates`, so the sync
  (`GET /{waba_id}/message_templates`) lists them.
- `POST /{template_id}`: edits the components (and category) of a created template:
  `{"success": true}`; refused while the template is PENDING.
- `POST /{app_id}/uploads?file_name=&file_length=&file_type=`: `{"id": "upload:<id>?sig=<sig>"}`.
- `POST /upload:<id>?sig=<sig>` with `Authorization: OAuth <token>` and `file_offset`: appends the
  bytes; `{"h": "<handle>"}` once the file is complete. `interrupt_next_upload(api, n)` makes the
  next one keep only n bytes and answer 503, as a dropped connection would.
- `GET /upload:<id>?sig=<sig>`: `{"id", "file_offset"}` (where to resume).
`sessions(api)`, `chunks(api)` and `uploaded(api)` show what was sent.
Importing this module registers the route (once).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import Any
from urllib.parse import parse_qs

from whatsapp_integration.testing.fake_graph import ROUTES, FakeGraphApi, FakeGraphState, FakeRequest, Reply

AREA = "templates"
_CREATE = re.compile(r"^/v[\d.]+/(?P<waba_id>[^/]+)/message_templates$")
_APP_UPLOADS = re.compile(r"^/v[\d.]+/(?P<app_id>\d+)/uploads$")
_SESSION = re.compile(r"^/v[\d.]+/(?P<session>upload:[A-Za-z0-9]+)$")
_NODE = re.compile(r"^/v[\d.]+/(?P<node>\d+)$")
_NAME = re.compile(r"[a-z0-9_]{1,512}")
_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
SAMPLE_TYPES = ("application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4")
_IDS = itertools.count(1)


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	if request.method == "POST" and (match := _CREATE.match(request.path)):
		return _create(state, match["waba_id"], request.body)
	if request.method == "POST" and (match := _APP_UPLOADS.match(request.path)):
		return _start_upload(state, match["app_id"], parse_qs(request.query))
	if match := _SESSION.match(request.path):
		return _session(state, match["session"], request)
	if request.method == "POST" and (match := _NODE.match(request.path)):
		return _edit(state, match["node"], request.body)
	return None


def error(message: str, title: str, detail: str, subcode: int = 2388299, code: int = 100) -> tuple[int, dict]:
	return 400, {
		"error": {
			"message": message,
			"type": "OAuthException",
			"code": code,
			"error_subcode": subcode,
			"is_transient": False,
			"error_user_title": title,
			"error_user_msg": detail,
			"fbtrace_id": "FAKETRACE",
		}
	}


def _create(state: FakeGraphState, waba_id: str, body: Any) -> Reply:
	body = body if isinstance(body, dict) else {}
	problem = _template_problem(state, body.get("category"), body.get("components"))
	if not _NAME.fullmatch(str(body.get("name") or "")):
		problem = error(
			"Invalid parameter",
			"Invalid template name",
			"Names may hold lower-case letters, digits and underscores.",
		)
	with state.lock:
		if problem is None and any(
			t["name"] == body.get("name") and t["language"] == body.get("language") for t in state.templates
		):
			problem = error(
				"Invalid parameter",
				"Content in This Language Already Exists",
				f"There's already {body.get('language')} content for this template. Create a new template and try again.",
				subcode=2388024,
			)
		if problem:
			return problem
		template = {
			"id": str(1_700_000_000_000 + next(_IDS)),
			"name": body["name"],
			"language": body.get("language"),
			"status": "PENDING",
			"category": body["category"],
			"parameter_format": body.get("parameter_format") or "POSITIONAL",
			"components": body["components"],
		}
		state.templates.append(template)
		state.area(AREA).setdefault("created", []).append({"waba_id": waba_id, **template})
	return 200, {"id": template["id"], "status": "PENDING", "category": template["category"]}


def _edit(state: FakeGraphState, template_id: str, body: Any) -> Reply | None:
	with state.lock:
		template = next((t for t in state.templates if t.get("id") == template_id), None)
	if template is None:
		return None
	body = body if isinstance(body, dict) else {}
	if template["status"] == "PENDING":
		return error(
			"Invalid parameter", "Template can't be edited", "This template is in review.", subcode=2388025
		)
	problem = _template_problem(state, body.get("category", template["category"]), body.get("components"))
	if problem:
		return problem
	with state.lock:
		template.update(
			components=body["components"],
			status="PENDING",
			category=body.get("category", template["category"]),
		)
	return 200, {"success": True}


def _template_problem(state: FakeGraphState, category: Any, components: Any) -> tuple[int, dict] | None:
	if category not in ("MARKETING", "UTILITY", "AUTHENTICATION"):
		return error(
			"Invalid parameter", "Invalid category", "Category must be MARKETING, UTILITY or AUTHENTICATION."
		)
	if not isinstance(components, list) or not any(
		c.get("type") == "BODY" for c in components if isinstance(c, dict)
	):
		return error("Invalid parameter", "Body is required", "A template needs a BODY component.")
	for component in components:
		problem = _component_problem(state, component) if isinstance(component, dict) else "not an object"
		if problem:
			return error("Invalid parameter", "Invalid template component", problem, subcode=2388043)
	return None


def _component_problem(state: FakeGraphState, component: dict[str, Any]) -> str | None:
	example = component.get("example") or {}
	if component.get("type") == "HEADER" and component.get("format") in ("IMAGE", "VIDEO", "DOCUMENT"):
		handles = example.get("header_handle") or [None]
		with state.lock:
			known = handles[0] in state.area(AREA).get("handles", {})
		return None if known else "The header_handle is not a handle of an upload to this app."
	text = str(component.get("text") or "")
	names = list(dict.fromkeys(_VARIABLE.findall(text)))
	if component.get("type") == "BODY" and names:
		given = len((example.get("body_text") or [[]])[0]) or len(example.get("body_text_named_params") or [])
		if given != len(names):
			return f"Number of parameters does not match the expected number of params ({len(names)} != {given})."
	return None


def _start_upload(state: FakeGraphState, app_id: str, query: dict[str, list[str]]) -> Reply:
	file_type = (query.get("file_type") or [""])[0]
	length = int((query.get("file_length") or ["0"])[0] or 0)
	if file_type not in SAMPLE_TYPES or length <= 0:
		return error(
			"Invalid parameter",
			"Invalid file",
			f"file_type {file_type!r} / file_length {length} not accepted.",
		)
	with state.lock:
		session = f"upload:{hashlib.sha1(f'{app_id}{next(_IDS)}'.encode()).hexdigest()[:16]}"
		state.area(AREA).setdefault("sessions", {})[session] = {
			"app_id": app_id,
			"file_name": (query.get("file_name") or [""])[0],
			"file_type": file_type,
			"file_length": length,
			"data": bytearray(),
		}
	return 200, {"id": f"{session}?sig=ARZfakesig"}


def _session(state: FakeGraphState, session_id: str, request: FakeRequest) -> Reply:
	with state.lock:
		session = state.area(AREA).get("sessions", {}).get(session_id)
	if session is None or "sig=" not in request.query:
		return error(
			"Invalid upload session", "Invalid upload session", "Start a new upload session.", code=100
		)
	if request.method == "GET":
		return 200, {"id": session_id, "file_offset": len(session["data"])}
	chunk = {
		"file_offset": request.headers.get("file_offset"),
		"authorization": request.headers.get("Authorization"),
	}
	with state.lock:
		state.area(AREA).setdefault("chunks", []).append(
			{**chunk, "size": len(request.raw), "query": request.query}
		)
	if not (request.headers.get("Authorization") or "").startswith("OAuth "):
		return 401, {"error": {"message": "Authorization: OAuth <token> expected", "code": 190}}
	if int(request.headers.get("file_offset") or -1) != len(session["data"]):
		return error("Invalid file offset", "Wrong offset", f"The upload is at {len(session['data'])} bytes.")
	return _append(state, session_id, session, request.raw)


def _append(state: FakeGraphState, session_id: str, session: dict[str, Any], chunk: bytes) -> Reply:
	with state.lock:
		area = state.area(AREA)
		cut = area.pop("interrupt_after", None)
		session["data"].extend(chunk if cut is None else chunk[:cut])
		if cut is not None:
			return 503, {"error": {"message": "Connection interrupted", "code": 1, "is_transient": True}}
		if len(session["data"]) < session["file_length"]:
			return 200, {"id": session_id, "file_offset": len(session["data"])}
		handle = f"4::{hashlib.sha256(bytes(session['data'])).hexdigest()[:24]}"
		area.setdefault("handles", {})[handle] = {**session, "data": bytes(session["data"])}
	return 200, {"h": handle}


def interrupt_next_upload(api: FakeGraphApi, after_bytes: int) -> None:
	with api.state.lock:
		api.state.area(AREA)["interrupt_after"] = after_bytes


def chunks(api: FakeGraphApi) -> list[dict[str, Any]]:
	"""Every POST to an upload session: file_offset, Authorization, size, query."""
	with api.state.lock:
		return list(api.state.area(AREA).get("chunks", []))


def sessions(api: FakeGraphApi) -> list[dict[str, Any]]:
	"""Every upload session started: app_id, file_name, file_type, file_length."""
	with api.state.lock:
		return [
			{k: v for k, v in s.items() if k != "data"}
			for s in api.state.area(AREA).get("sessions", {}).values()
		]


def uploaded(api: FakeGraphApi) -> dict[str, dict[str, Any]]:
	"""Completed uploads by handle: app_id, file_name, file_type, file_length, data."""
	with api.state.lock:
		return dict(api.state.area(AREA).get("handles", {}))


if route not in ROUTES:
	ROUTES.append(route)
