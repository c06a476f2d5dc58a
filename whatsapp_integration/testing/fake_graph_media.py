"""Fake Graph API: inbound media, the two steps Meta's documentation gives for a download.

`GET /{version}/{media-id}` answers Meta's media node (`url`, `mime_type`, `sha256` as hex,
`file_size`, `id`); the `url` (an absolute URL on this server, `/_media_download/<n>`) answers the
file only with the bearer token (when the fake has one) and only until it expires: `url_ttl`
seconds after it was handed out, and the first `expired_urls` URLs of a media id at once (then it
answers 404, as Meta's download host does for an expired URL).

Scripted per media id: `add_media(api, media_id, content, mime_type, ...)`, or over HTTP
`POST /_fake_media/<media-id>` with JSON `{"content_base64", "mime_type", "sha256", "file_size",
"url_ttl", "expired_urls"}` (`sha256` / `file_size` override what the node declares). A media id
that was not scripted falls through to the built-in routes. Importing this module registers it.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import time
from typing import Any

from whatsapp_integration.testing.fake_graph import ROUTES, FakeGraphApi, FakeGraphState, FakeRequest, Reply

_NODE = re.compile(r"^/v[\d.]+/(?P<media_id>[^/]+)$")
_DOWNLOAD = re.compile(r"^/_media_download/(?P<serial>\d+)$")
_SCRIPT = re.compile(r"^/_fake_media/(?P<media_id>[^/]+)$")
AREA = "media"
_SERIALS = itertools.count(1)


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	if request.method == "POST" and (script := _SCRIPT.match(request.path)):
		body = request.body or {}
		content = base64.b64decode(body.pop("content_base64", ""))
		_script(state, script["media_id"], content, **body)
		return 200, {"ok": True}
	if request.method != "GET":
		return None
	if download := _DOWNLOAD.match(request.path):
		return _download(state, int(download["serial"]))
	if node := _NODE.match(request.path):
		return _node(state, node["media_id"], request.headers.get("Host") or "127.0.0.1")
	return None


def add_media(
	api: FakeGraphApi,
	media_id: str,
	content: bytes,
	mime_type: str,
	*,
	url_ttl: float = 300.0,
	expired_urls: int = 0,
	sha256: str | None = None,
	file_size: int | None = None,
) -> None:
	"""Script `media_id`: its bytes, type, URL lifetime, and what the node declares."""
	_script(
		api.state,
		media_id,
		content,
		mime_type=mime_type,
		url_ttl=url_ttl,
		expired_urls=expired_urls,
		sha256=sha256,
		file_size=file_size,
	)


def download_requests(api: FakeGraphApi) -> list[Any]:
	"""The requests for download URLs (`headers` holds the Authorization each one carried)."""
	return [request for request in api.requests if request.path.startswith("/_media_download/")]


def _script(state: FakeGraphState, media_id: str, content: bytes, **fields: Any) -> None:
	media = {
		"content": content,
		"mime_type": fields.get("mime_type") or "application/octet-stream",
		"sha256": fields.get("sha256") or hashlib.sha256(content).hexdigest(),
		"file_size": fields.get("file_size") if fields.get("file_size") is not None else len(content),
		"url_ttl": float(300.0 if fields.get("url_ttl") is None else fields["url_ttl"]),
		"expired_urls": int(fields.get("expired_urls") or 0),
	}
	with state.lock:
		state.area(AREA)[media_id] = media


def _node(state: FakeGraphState, media_id: str, host: str) -> Reply | None:
	with state.lock:
		media = state.area(AREA).get(media_id)
		if media is None:
			return None
		serial = next(_SERIALS)
		expired = media["expired_urls"] > 0
		media["expired_urls"] -= int(expired)
		expires_at = 0.0 if expired else time.monotonic() + media["url_ttl"]
		state.area(AREA).setdefault("_urls", {})[serial] = (media_id, expires_at)
	return 200, {
		"messaging_product": "whatsapp",
		"url": f"http://{host}/_media_download/{serial}",
		"mime_type": media["mime_type"],
		"sha256": media["sha256"],
		"file_size": media["file_size"],
		"id": media_id,
	}


def _download(state: FakeGraphState, serial: int) -> Reply:
	with state.lock:
		media_id, expires_at = state.area(AREA).get("_urls", {}).get(serial, (None, 0.0))
		media = state.area(AREA).get(media_id) if media_id else None
	if media is None or time.monotonic() >= expires_at:
		return 404, b"URL signature expired", "text/plain"
	return 200, media["content"], media["mime_type"]


if route not in ROUTES:
	ROUTES.append(route)
