"""Fake Graph API: the health fields of a business phone number, `GET /{phone_number_id}`.

Scriptable per phone number id: `set_number(api, id, quality_rating="RED", ...)` (or over HTTP,
`POST /_fake_numbers/<id>` with the fields as JSON) answers the node with those fields, as Meta
does for `fields=quality_rating,messaging_limit_tier,status,name_status,...`; a scripted
`error` (Meta's error object) with `http_status` answers that error instead. An id that was not
scripted falls through to the built-in node answer. Importing this module registers the route.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from whatsapp_integration.testing.fake_graph import ROUTES, FakeGraphApi, FakeGraphState, FakeRequest, Reply

_NODE = re.compile(r"^/v[\d.]+/(?P<node_id>[^/]+)$")
_SCRIPT = re.compile(r"^/_fake_numbers/(?P<node_id>[^/]+)$")
AREA = "numbers"
DEFAULTS = {"quality_rating": "GREEN", "messaging_limit_tier": "TIER_1K", "status": "CONNECTED"}


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	if request.method == "POST" and (script := _SCRIPT.match(request.path)):
		_script(state, script["node_id"], request.body or {})
		return 200, {"ok": True}
	match = _NODE.match(request.path)
	if request.method != "GET" or not match:
		return None
	with state.lock:
		number = state.area(AREA).get(match["node_id"])
	if number is None:
		return None
	if "error" in number:
		return int(number.get("http_status", 400)), {"error": number["error"]}
	return 200, _answer(match["node_id"], number, parse_qs(request.query).get("fields", [""])[0])


def set_number(api: FakeGraphApi, phone_number_id: str, **fields: Any) -> None:
	"""Script the node of `phone_number_id` (health fields, or `error` and `http_status`)."""
	_script(api.state, phone_number_id, fields)


def _script(state: FakeGraphState, phone_number_id: str, fields: dict[str, Any]) -> None:
	with state.lock:
		state.area(AREA)[phone_number_id] = fields if "error" in fields else {**DEFAULTS, **fields}


def _answer(node_id: str, number: dict[str, Any], fields: str) -> dict[str, Any]:
	"""Only the fields asked for, like Meta (the id always)."""
	wanted = [field for field in fields.split(",") if field]
	return {"id": node_id, **{field: number[field] for field in wanted if field in number}}


if route not in ROUTES:
	ROUTES.append(route)
