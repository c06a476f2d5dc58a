"""Fake Graph API: what `bench whatsapp doctor` asks Meta besides the number's health.

- `GET /debug_token?input_token=<token>`: the token's metadata as Meta answers it (`data` with
  `is_valid`, `expires_at` (0: never), `scopes`, or `error` for an invalid token). A token not
  scripted is valid, never expires and has the WhatsApp scopes.
- `GET /{waba_id}/subscribed_apps`: the apps subscribed to the WhatsApp Business Account
  (`data`: one app unless scripted otherwise).

Script with `set_token(api, token, is_valid=False, ...)` and `set_subscribed(api, waba_id, [])`
(over HTTP: `POST /_fake_doctor/token` with `{"token": ..., fields}`, `POST /_fake_doctor/subscribed`
with `{"waba_id": ..., "apps": [...]}`); `reset(api)` forgets the scripts. Importing this module
registers the route.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from whatsapp_integration.testing.fake_graph import ROUTES, FakeGraphApi, FakeGraphState, FakeRequest, Reply

AREA = "doctor"
_DEBUG_TOKEN = re.compile(r"^/v[\d.]+/debug_token$")
_SUBSCRIBED = re.compile(r"^/v[\d.]+/(?P<waba_id>[^/]+)/subscribed_apps$")
SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging"]
FAKE_APP = {
	"whatsapp_business_api_data": {"id": "1000000001", "link": "https://example.test", "name": "Fake app"}
}


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	if request.method == "POST" and request.path == "/_fake_doctor/token":
		body = dict(request.body or {})
		_script(state, "tokens", body.pop("token"), body)
		return 200, {"ok": True}
	if request.method == "POST" and request.path == "/_fake_doctor/subscribed":
		body = request.body or {}
		_script(state, "subscribed", body["waba_id"], list(body.get("apps") or []))
		return 200, {"ok": True}
	if request.method != "GET":
		return None
	if _DEBUG_TOKEN.match(request.path):
		token = parse_qs(request.query).get("input_token", [""])[0]
		return 200, {"data": _token_data(state, token)}
	if match := _SUBSCRIBED.match(request.path):
		with state.lock:
			apps = state.area(AREA).get("subscribed", {}).get(match["waba_id"], [FAKE_APP])
		return 200, {"data": apps}
	return None


def set_token(api: FakeGraphApi, token: str, **fields: Any) -> None:
	"""Script the debug_token answer for `token` (`is_valid`, `expires_at`, `scopes`, `error`)."""
	_script(api.state, "tokens", token, fields)


def set_subscribed(api: FakeGraphApi, waba_id: str, apps: list[dict[str, Any]]) -> None:
	_script(api.state, "subscribed", waba_id, apps)


def reset(api: FakeGraphApi) -> None:
	with api.state.lock:
		api.state.area(AREA).clear()


def _script(state: FakeGraphState, kind: str, key: str, value: Any) -> None:
	with state.lock:
		state.area(AREA).setdefault(kind, {})[key] = value


def _token_data(state: FakeGraphState, token: str) -> dict[str, Any]:
	with state.lock:
		scripted = dict(state.area(AREA).get("tokens", {}).get(token, {}))
	data: dict[str, Any] = {
		"app_id": "1000000001",
		"type": "SYSTEM_USER",
		"application": "Fake app",
		"data_access_expires_at": 0,
		"expires_at": 0,
		"is_valid": True,
		"scopes": SCOPES,
		"user_id": "2000000002",
	}
	data.update(scripted)
	if not data["is_valid"]:
		data.setdefault(
			"error", {"code": 190, "message": "Error validating access token: Session has expired"}
		)
		data["scopes"] = scripted.get("scopes", [])
	return data


if route not in ROUTES:
	ROUTES.append(route)
