"""Fake Graph API: read receipts, `POST /{phone_number_id}/messages` with `"status": "read"`.

Answers `{"success": true}` as Meta does for a body with `messaging_product=whatsapp` and the
`message_id` of a message; HTTP 400 with Meta's error otherwise. Importing this module registers
the route (once); the request is recorded like every other.
"""

from __future__ import annotations

import re

from whatsapp_integration.testing.fake_graph import (
	ROUTES,
	FakeGraphState,
	FakeRequest,
	Reply,
	ScriptedFailure,
)

_MESSAGES = re.compile(r"^/v[\d.]+/[^/]+/messages$")


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	body = request.body
	if request.method != "POST" or not _MESSAGES.match(request.path) or not isinstance(body, dict):
		return None
	if body.get("status") != "read":
		return None
	if body.get("messaging_product") != "whatsapp" or not str(body.get("message_id") or "").startswith(
		"wamid."
	):
		problem = "(#100) a read receipt needs messaging_product whatsapp and the message_id of a message"
		return 400, ScriptedFailure(100, 400, problem, 1).body()
	return 200, {"success": True}


if route not in ROUTES:
	ROUTES.append(route)
