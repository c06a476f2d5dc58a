"""core/graph.py and CloudApiSender against the fake Graph API: exact requests, Meta's errors."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import ACCESS_TOKEN, PHONE_NUMBER_ID, free_port

from whatsapp_integration.core.errors import ErrorAction, GraphApiError, SendFailed
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.senders.cloud_api import CloudApiSender
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.testing.fake_graph import FakeGraphApi

TO = "+919876543210"


def sender_for(api_root: str, timeout: float = 5.0, token: str = ACCESS_TOKEN) -> CloudApiSender:
	return CloudApiSender(GraphClient(api_root, token, timeout=timeout), PHONE_NUMBER_ID)


@pytest.fixture
def sender(fake_graph: FakeGraphApi) -> CloudApiSender:
	return sender_for(f"{fake_graph.url}/v21.0")


def only_request(fake_graph: FakeGraphApi) -> dict[str, Any]:
	(request,) = fake_graph.message_requests()
	assert request.method == "POST"
	assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
	assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
	return request.body


def envelope(**content: Any) -> dict[str, Any]:
	return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "919876543210", **content}


class TestRequestShapes:
	def test_text(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		receipt = sender.send_text(TO, "Your order *SO-1* ships today")
		assert only_request(fake_graph) == envelope(
			type="text", text={"body": "Your order *SO-1* ships today", "preview_url": False}
		)
		assert receipt.message_id.startswith(f"wamid.FAKE{PHONE_NUMBER_ID}.")
		assert receipt.recipient_id == "919876543210"

	def test_text_with_a_link_asks_for_a_preview(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		sender.send_text(TO, "Pay at https://pay.example/1")
		assert only_request(fake_graph)["text"] == {
			"body": "Pay at https://pay.example/1",
			"preview_url": True,
		}

	def test_template_with_parameters(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		sender.send_template(TO, Template("order_update", "en_US", ("Ana", "SO-0001")))
		assert only_request(fake_graph) == envelope(
			type="template",
			template={
				"name": "order_update",
				"language": {"code": "en_US"},
				"components": [
					{
						"type": "body",
						"parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "SO-0001"}],
					}
				],
			},
		)

	def test_template_without_parameters_has_no_components(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		sender.send_template(TO, Template("hello_world", "en"))
		assert only_request(fake_graph)["template"] == {"name": "hello_world", "language": {"code": "en"}}

	def test_image_with_caption(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		sender.send_media(
			TO, Media("image", "https://files.example/p.png", caption="Your product", filename="x.png")
		)
		assert only_request(fake_graph) == envelope(
			type="image", image={"link": "https://files.example/p.png", "caption": "Your product"}
		)

	def test_document_with_caption_and_filename(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		sender.send_media(TO, Media("document", "https://files.example/i.pdf", "Invoice", "INV-0001.pdf"))
		assert only_request(fake_graph) == envelope(
			type="document",
			document={
				"link": "https://files.example/i.pdf",
				"caption": "Invoice",
				"filename": "INV-0001.pdf",
			},
		)

	def test_audio_has_no_caption(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		sender.send_media(TO, Media("audio", "https://files.example/a.ogg", caption="ignored"))
		assert only_request(fake_graph)["audio"] == {"link": "https://files.example/a.ogg"}

	@pytest.mark.parametrize("kind", ["text", "template", "media"])
	def test_callback_data_becomes_biz_opaque_callback_data(
		self, kind: str, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		callback = "campaign:CAMP-0001:row:17"
		if kind == "text":
			sender.send_text(TO, "hi", callback_data=callback)
		elif kind == "template":
			sender.send_template(TO, Template("hello_world"), callback_data=callback)
		else:
			sender.send_media(TO, Media("video", "https://files.example/v.mp4"), callback_data=callback)
		assert only_request(fake_graph)["biz_opaque_callback_data"] == callback

	def test_no_callback_data_means_no_field(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		sender.send_text(TO, "hi")
		assert "biz_opaque_callback_data" not in only_request(fake_graph)

	def test_many_sends_reuse_one_client(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		ids = {sender.send_text(TO, f"message {n}").message_id for n in range(20)}
		assert len(ids) == 20 and len(fake_graph.message_requests()) == 20


def failure_of(call: Any, *args: Any) -> GraphApiError:
	with pytest.raises(GraphApiError) as caught:
		call(*args)
	error = caught.value
	assert isinstance(error, SendFailed)
	for text in (str(error), repr(error), error.reason, error.title or "", error.details or ""):
		assert ACCESS_TOKEN not in text
	return error


class TestMetaErrors:
	def test_known_code_gets_advice_title_details_and_action(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		fake_graph.fail_next(
			131047,
			400,
			message="(#131047) Re-engagement message",
			details="Message failed to send because more than 24 hours have passed since the customer last replied.",
		)
		error = failure_of(sender.send_text, TO, "hello")
		assert error.code == 131047 and error.http_status == 400
		assert error.action is ErrorAction.NEEDS_TEMPLATE
		assert error.title == "(#131047) Re-engagement message"
		assert error.details.startswith("Message failed to send because more than 24 hours")
		assert error.reason == (
			"More than 24 hours have passed since this customer last wrote. Send an approved template instead. "
			"(Meta error 131047)"
		)

	def test_metas_subcode_trace_id_and_transient_flag_are_kept(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		fake_graph.fail_next(131000, 500, subcode=2494002, is_transient=True, fbtrace_id="Ab1-xyz")
		error = failure_of(sender.send_text, TO, "hello")
		assert (error.subcode, error.fbtrace_id, error.is_transient) == (2494002, "Ab1-xyz", True)

	def test_an_error_without_them_has_none(self, sender: CloudApiSender, fake_graph: FakeGraphApi) -> None:
		fake_graph.fail_next(131000, 500, fbtrace_id="")
		error = failure_of(sender.send_text, TO, "hello")
		assert (error.subcode, error.fbtrace_id, error.is_transient) == (None, None, None)

	def test_code_without_advice_falls_back_to_metas_details(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		fake_graph.fail_next(
			132005, 400, message="(#132005) Translated text too long", details="Body too long."
		)
		error = failure_of(sender.send_template, TO, Template("promo", "en", ("x",)))
		assert (error.code, error.action) == (132005, ErrorAction.FIX_INPUT)
		assert error.reason == "Body too long. (Meta error 132005)"

	def test_code_without_details_uses_the_title(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		fake_graph.fail_next(131016, 503, message="(#131016) Service unavailable")
		error = failure_of(sender.send_text, TO, "hello")
		assert (error.code, error.http_status, error.action) == (131016, 503, ErrorAction.RETRY)
		assert error.reason == "(#131016) Service unavailable (Meta error 131016)"

	@pytest.mark.parametrize(
		("code", "http_status", "action"),
		[
			(130429, 400, ErrorAction.THROTTLE),
			(131056, 400, ErrorAction.PAIR_RATE),
			(131026, 400, ErrorAction.DEFER),
			(131050, 400, ErrorAction.SUPPRESS),
			(368, 403, ErrorAction.STOP),
			(None, 500, ErrorAction.RETRY),
			(None, 429, ErrorAction.THROTTLE),
			(None, 400, ErrorAction.FIX_INPUT),
		],
	)
	def test_error_classes_come_through(
		self,
		code: int | None,
		http_status: int,
		action: ErrorAction,
		sender: CloudApiSender,
		fake_graph: FakeGraphApi,
	) -> None:
		fake_graph.fail_next(code, http_status)
		error = failure_of(sender.send_text, TO, "hello")
		assert (error.code, error.http_status, error.action) == (code, http_status, action)

	def test_scripted_failures_are_spent_then_sending_works(
		self, sender: CloudApiSender, fake_graph: FakeGraphApi
	) -> None:
		fake_graph.fail_next(131000, 500, times=2)
		failure_of(sender.send_text, TO, "1")
		failure_of(sender.send_text, TO, "2")
		assert sender.send_text(TO, "3").message_id
		assert len(fake_graph.message_requests()) == 3

	def test_expired_token_stops_and_never_echoes_the_token(self, fake_graph: FakeGraphApi) -> None:
		wrong = sender_for(f"{fake_graph.url}/v21.0", token="EAAG-expired-token-123")
		error = failure_of(wrong.send_text, TO, "hello")
		assert (error.code, error.http_status, error.action) == (190, 401, ErrorAction.STOP)
		assert "EAAG-expired-token-123" not in f"{error} {error!r} {error.title} {error.details}"
		assert "access token has expired" in error.reason


class TestTransportFailures:
	def test_timeout_is_retried_later(self, fake_graph: FakeGraphApi) -> None:
		fake_graph.fail_next(None, 500, delay=2.0)
		slow = sender_for(f"{fake_graph.url}/v21.0", timeout=0.3)
		error = failure_of(slow.send_text, TO, "hello")
		assert error.action is ErrorAction.RETRY
		assert (error.code, error.http_status) == (None, None)
		assert error.reason == "Meta's API did not answer within 0.3 seconds; it will be retried."

	def test_connection_refused_is_retried_later(self) -> None:
		root = f"http://127.0.0.1:{free_port()}/v21.0"
		error = failure_of(sender_for(root).send_text, TO, "hello")
		assert error.action is ErrorAction.RETRY
		assert error.reason == f"Could not reach Meta's API at {root} (ConnectionError); it will be retried."

	def test_accepted_without_a_message_id_is_retried(self) -> None:
		with CannedServer(200, {"messaging_product": "whatsapp", "contacts": [], "messages": []}) as server:
			error = failure_of(sender_for(server.url).send_text, TO, "hello")
		assert error.action is ErrorAction.RETRY
		assert "returned no message id" in error.reason

	def test_html_error_page_from_a_proxy(self) -> None:
		with CannedServer(502, "<html><body>Bad Gateway</body></html>", "text/html") as server:
			error = failure_of(sender_for(server.url).send_text, TO, "hello")
		assert (error.code, error.http_status, error.action) == (None, 502, ErrorAction.RETRY)
		assert error.reason == "Meta's API answered HTTP 502 without an error description."

	def test_success_status_with_a_non_json_body_is_an_error(self) -> None:
		with CannedServer(200, "OK", "text/plain") as server:
			error = failure_of(sender_for(server.url).send_text, TO, "hello")
		assert error.http_status == 200
		assert "without an error description" in error.reason


class TestGraphClient:
	def test_get_passes_parameters_and_the_token(self, fake_graph: FakeGraphApi) -> None:
		client = GraphClient(f"{fake_graph.url}/v21.0/", ACCESS_TOKEN, timeout=5)
		assert client.get("/1234567890", {"fields": "display_phone_number"})["id"] == "1234567890"
		(request,) = fake_graph.requests
		assert (request.method, request.path) == ("GET", "/v21.0/1234567890")
		assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"

	def test_unknown_path_is_metas_error_100(self, fake_graph: FakeGraphApi) -> None:
		client = GraphClient(f"{fake_graph.url}/v21.0", ACCESS_TOKEN, timeout=5)
		error = failure_of(client.get, "a/b/c/d")
		assert (error.code, error.http_status, error.action) == (100, 404, ErrorAction.FIX_INPUT)

	def test_repr_shows_the_root_and_never_the_token(self, fake_graph: FakeGraphApi) -> None:
		client = GraphClient(f"{fake_graph.url}/v21.0", ACCESS_TOKEN, timeout=5)
		assert repr(client) == f"GraphClient('{fake_graph.url}/v21.0')"
		sender = CloudApiSender(client, PHONE_NUMBER_ID)
		assert ACCESS_TOKEN not in repr(sender) and ACCESS_TOKEN not in str(vars(sender).get("_client"))


class CannedServer:
	"""A real HTTP server that answers every request with one fixed response (what a proxy or a
	misbehaving API might send, which the fake Graph API never does)."""

	def __init__(self, status: int, body: Any, content_type: str = "application/json") -> None:
		data = json.dumps(body).encode() if content_type == "application/json" else str(body).encode()

		class Handler(BaseHTTPRequestHandler):
			def do_POST(self) -> None:
				self.rfile.read(int(self.headers.get("Content-Length") or 0))
				self.send_response(status)
				self.send_header("Content-Type", content_type)
				self.send_header("Content-Length", str(len(data)))
				self.end_headers()
				self.wfile.write(data)

			def log_message(self, *args: Any) -> None:
				"""Quiet."""

		self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
		self._server.daemon_threads = True
		self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v21.0"

	def __enter__(self) -> CannedServer:
		threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
		return self

	def __exit__(self, *exc_info: object) -> None:
		self._server.shutdown()
		self._server.server_close()
