"""A small client for Meta's Graph API: one pooled HTTP session, timeouts, Meta's error shape.

The access token goes only into the Authorization header; it never appears in an error
message, a log line or `repr()`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import requests

from whatsapp_integration.core.errors import ErrorAction, GraphApiError, advice_for, classify
from whatsapp_integration.core.i18n import _


class GraphClient:
	def __init__(
		self,
		api_root: str,
		access_token: str,
		*,
		timeout: float,
		session: requests.Session | None = None,
	) -> None:
		self.api_root = api_root.rstrip("/")
		self._timeout = timeout
		self._session = session or _pooled_session(self.api_root)
		self._headers = {"Authorization": f"Bearer {access_token}"}

	def __repr__(self) -> str:
		return f"GraphClient({self.api_root!r})"

	def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
		return self._request("POST", path, json=payload)

	def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
		return self._request("GET", path, params=params)

	def upload(self, path: str, fields: dict[str, str], file: tuple[str, bytes, str]) -> dict[str, Any]:
		"""POST `multipart/form-data`: the form `fields` and `file` (name, bytes, MIME type) as `file`."""
		return self._request("POST", path, data=fields, files={"file": file})

	def download(self, url: str, max_bytes: int) -> Download:
		"""GET the file at an absolute `url` (Meta's media URL) with the token, reading at most
		`max_bytes`; `truncated` says the file is longer."""
		with self._send("GET", url, stream=True) as response:
			if not response.ok:
				raise _error_from(response.status_code, _json_or_none(response))
			content = b""
			for chunk in response.iter_content(chunk_size=65536):
				content += chunk
				if len(content) > max_bytes:
					break
		content_type = response.headers.get("Content-Type")
		return Download(content[:max_bytes], content_type, truncated=len(content) > max_bytes)

	def upload_chunk(self, path: str, data: bytes, offset: int) -> dict[str, Any]:
		"""POST raw bytes to a resumable upload session (`upload:...`), `offset` being where `data`
		starts in the file; Meta takes the token there as `Authorization: OAuth <token>`."""
		headers = {
			"Authorization": "OAuth " + self._headers["Authorization"].removeprefix("Bearer "),
			"file_offset": str(offset),
			"Content-Type": "application/octet-stream",
		}
		return self._request("POST", path, data=data, headers=headers)

	def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
		return _decode(self._send(method, f"{self.api_root}/{path.lstrip('/')}", **kwargs))

	def _send(
		self, method: str, url: str, headers: dict[str, str] | None = None, **kwargs: Any
	) -> requests.Response:
		headers = {**self._headers, **(headers or {})}
		try:
			return self._session.request(method, url, headers=headers, timeout=self._timeout, **kwargs)
		except requests.Timeout:
			raise GraphApiError(
				_("Meta's API did not answer within {timeout:g} seconds; it will be retried.").format(
					timeout=self._timeout
				),
				action=ErrorAction.RETRY,
			)
		except requests.RequestException as error:
			raise GraphApiError(
				_("Could not reach Meta's API at {api_root} ({error}); it will be retried.").format(
					api_root=self.api_root, error=type(error).__name__
				),
				action=ErrorAction.RETRY,
			)


def _pooled_session(api_root: str) -> requests.Session:
	"""One keep-alive pool per client. Proxy and CA settings are read from the environment
	once here instead of on every request (requests' default), which costs ~25 % per send."""
	session = requests.Session()
	session.trust_env = False
	session.proxies.update(requests.utils.get_environ_proxies(api_root))
	session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
	adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
	session.mount("http://", adapter)
	session.mount("https://", adapter)
	return session


@dataclass(frozen=True)
class Download:
	"""A file fetched with `GraphClient.download`."""

	content: bytes
	content_type: str | None
	truncated: bool = False


def _json_or_none(response: requests.Response) -> Any:
	try:
		return response.json()
	except ValueError:
		return None


def _decode(response: requests.Response) -> dict[str, Any]:
	body = _json_or_none(response)
	if response.ok and isinstance(body, dict):
		return body
	raise _error_from(response.status_code, body)


def _error_from(http_status: int, body: Any) -> GraphApiError:
	error = body.get("error") if isinstance(body, dict) else None
	if not isinstance(error, dict):
		return GraphApiError(
			_("Meta's API answered HTTP {http_status} without an error description.").format(
				http_status=http_status
			),
			http_status=http_status,
			action=classify(None, http_status),
		)
	code = error.get("code") if isinstance(error.get("code"), int) else None
	title = str(error.get("message") or error.get("error_user_title") or "")
	# Meta's words for people: error_data.details, else error_user_title / error_user_msg
	# (template creation explains its refusals only there)
	user_words = ": ".join(
		str(error[key]) for key in ("error_user_title", "error_user_msg") if error.get(key)
	)
	details = (
		(error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
	) or (user_words or None)
	reason = (
		advice_for(code)
		or details
		or title
		or _("Meta's API answered HTTP {http_status}.").format(http_status=http_status)
	)
	return GraphApiError(
		_("{reason} (Meta error {code})").format(reason=reason, code=code) if code is not None else reason,
		code=code,
		http_status=http_status,
		title=title or None,
		details=details,
		subcode=error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None,
		fbtrace_id=str(error["fbtrace_id"]) if error.get("fbtrace_id") else None,
		is_transient=error.get("is_transient") if isinstance(error.get("is_transient"), bool) else None,
	)
