"""Fake Graph API: media upload, `POST /{phone_number_id}/media` (multipart/form-data).

Answers as Meta does: `{"id": "<media id>"}` for a form with `messaging_product=whatsapp`, a
`type` and a `file` part of a type and size Meta takes; HTTP 400 with Meta's error otherwise.
Every accepted upload is kept in `state.area("media_upload")["uploads"]` (`uploads(api)`), so
tests see exactly what was sent. Importing this module registers the route (once).
"""

from __future__ import annotations

import hashlib
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from whatsapp_integration.testing.fake_graph import (
	ROUTES,
	FakeGraphApi,
	FakeGraphState,
	FakeRequest,
	Reply,
	ScriptedFailure,
)

_MEDIA = re.compile(r"^/v[\d.]+/(?P<phone_number_id>[^/]+)/media$")
AREA = "media_upload"
KB, MB = 1024, 1024 * 1024
# Meta's upload limits by MIME type (Supported Media Types of the Cloud API reference).
_IMAGE, _VIDEO, _AUDIO = ("image/jpeg", "image/png"), ("video/mp4", "video/3gpp"), ("audio/aac", "audio/amr")
MAX_BYTES: dict[str, int] = {
	**dict.fromkeys(_IMAGE, 5 * MB),
	**dict.fromkeys(_VIDEO, 16 * MB),
	**dict.fromkeys((*_AUDIO, "audio/mpeg", "audio/mp4", "audio/ogg"), 16 * MB),
	"image/webp": 500 * KB,
	**dict.fromkeys(
		(
			"text/plain",
			"application/pdf",
			"application/vnd.ms-excel",
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			"application/msword",
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			"application/vnd.ms-powerpoint",
			"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		),
		100 * MB,
	),
}


def route(state: FakeGraphState, request: FakeRequest) -> Reply | None:
	match = _MEDIA.match(request.path)
	if request.method != "POST" or not match:
		return None
	fields, file = _form(request)
	problem = _problem(fields, file)
	if problem:
		return 400, ScriptedFailure(131053, 400, "(#131053) Media upload error", 1, details=problem).body()
	filename, content_type, content = file  # type: ignore[misc]
	with state.lock:
		uploads = state.area(AREA).setdefault("uploads", [])
		media_id = str(9_100_000_000_000 + len(uploads) + 1)
		uploads.append(
			{
				"id": media_id,
				"phone_number_id": match["phone_number_id"],
				"fields": fields,
				"filename": filename,
				"content_type": content_type,
				"size": len(content),
				"sha256": hashlib.sha256(content).hexdigest(),
			}
		)
	return 200, {"id": media_id}


def uploads(api: FakeGraphApi) -> list[dict[str, Any]]:
	"""The uploads the fake accepted, oldest first."""
	with api.state.lock:
		return [dict(upload) for upload in api.state.area(AREA).get("uploads", [])]


def _form(request: FakeRequest) -> tuple[dict[str, str], tuple[str, str, bytes] | None]:
	"""The text fields and the `file` part (name, Content-Type, bytes) of a multipart body."""
	content_type = request.headers.get("Content-Type") or ""
	if not content_type.startswith("multipart/form-data"):
		return {}, None
	head = f"Content-Type: {content_type}\r\n\r\n".encode()
	message = BytesParser(policy=HTTP).parsebytes(head + request.raw)
	fields: dict[str, str] = {}
	file = None
	for part in message.iter_parts():
		name = part.get_param("name", header="content-disposition")
		payload = part.get_payload(decode=True) or b""
		if name == "file":
			file = (part.get_filename() or "", part.get_content_type(), payload)
		elif name:
			fields[name] = payload.decode()
	return fields, file


def _problem(fields: dict[str, str], file: tuple[str, str, bytes] | None) -> str | None:
	if fields.get("messaging_product") != "whatsapp":
		return "messaging_product must be whatsapp"
	if file is None:
		return "the file part is missing (multipart/form-data with a file field)"
	mime = fields.get("type") or ""
	if mime not in MAX_BYTES:
		return f"Param type {mime!r} is not a supported media type"
	if file[1] != mime:
		return f"the file part's Content-Type {file[1]!r} differs from type {mime!r}"
	if not file[2] or len(file[2]) > MAX_BYTES[mime]:
		return f"file size {len(file[2])} is outside 1..{MAX_BYTES[mime]} bytes for {mime}"
	return None


if route not in ROUTES:
	ROUTES.append(route)
