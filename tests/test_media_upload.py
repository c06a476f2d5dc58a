"""Media by upload against the fake Graph API: the multipart upload Meta documents, the media id
cache per file content and phone number, Meta's type and size limits before any request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ACCESS_TOKEN, PHONE_NUMBER_ID, ServiceHarness, make_config, make_device

from whatsapp_integration.core.errors import ErrorAction, InvalidMessage, SendFailed
from whatsapp_integration.core.media import MB, MEDIA_ID_CACHE_SECONDS, MediaFile, check_file
from whatsapp_integration.core.message import Media, OutboundMessage, Template, check_media
from whatsapp_integration.core.vocabulary import MessageStatus, MessageType
from whatsapp_integration.core.web.content import media_as_text
from whatsapp_integration.senders.cloud_api import CloudApiSender
from whatsapp_integration.senders.factory import SenderFactory
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.senders.media import MediaSources
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_media_upload import uploads
from whatsapp_integration.testing.memory_media import MemoryFileReader, MemoryMediaIdCache
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository

TO = "+919876543210"
PDF = b"%PDF-1.4\n" + b"0" * 2000
INVOICE = "/private/files/ACC-SINV-0001.pdf"


@pytest.fixture
def files() -> MemoryFileReader:
	reader = MemoryFileReader()
	reader.add(INVOICE, PDF)
	return reader


@pytest.fixture
def cache() -> MemoryMediaIdCache:
	return MemoryMediaIdCache()


@pytest.fixture
def make_sender(
	fake_graph: FakeGraphApi, files: MemoryFileReader, cache: MemoryMediaIdCache
) -> Callable[..., CloudApiSender]:
	def build(phone_number_id: str = PHONE_NUMBER_ID) -> CloudApiSender:
		client = GraphClient(f"{fake_graph.url}/v21.0", ACCESS_TOKEN, timeout=5.0)
		return CloudApiSender(client, phone_number_id, MediaSources(files, cache))

	return build


def message_bodies(fake_graph: FakeGraphApi) -> list[dict[str, Any]]:
	return [request.body for request in fake_graph.message_requests()]


class TestUpload:
	def test_a_file_is_uploaded_as_meta_documents_then_sent_by_id(
		self, make_sender: Callable[..., CloudApiSender], fake_graph: FakeGraphApi
	) -> None:
		make_sender().send_media(TO, Media(MessageType.DOCUMENT, file_url=INVOICE, caption="Invoice"))
		upload_request, message_request = fake_graph.requests
		assert upload_request.path == f"/v21.0/{PHONE_NUMBER_ID}/media"
		assert upload_request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
		(upload,) = uploads(fake_graph)
		assert upload["fields"] == {"messaging_product": "whatsapp", "type": "application/pdf"}
		assert (upload["filename"], upload["content_type"], upload["size"]) == (
			"ACC-SINV-0001.pdf",
			"application/pdf",
			len(PDF),
		)
		assert message_request.body["document"] == {
			"id": upload["id"],
			"caption": "Invoice",
			"filename": "ACC-SINV-0001.pdf",
		}

	def test_the_second_send_of_a_file_uses_the_cached_id(
		self,
		make_sender: Callable[..., CloudApiSender],
		fake_graph: FakeGraphApi,
		cache: MemoryMediaIdCache,
	) -> None:
		sender = make_sender()
		for _ in range(2):
			sender.send_media(TO, Media(MessageType.DOCUMENT, file_url=INVOICE))
		(upload,) = uploads(fake_graph)
		assert [body["document"]["id"] for body in message_bodies(fake_graph)] == [upload["id"]] * 2
		assert list(cache.entries.values()) == [(upload["id"], MEDIA_ID_CACHE_SECONDS)]

	def test_the_same_content_under_another_url_is_not_uploaded_again(
		self,
		make_sender: Callable[..., CloudApiSender],
		fake_graph: FakeGraphApi,
		files: MemoryFileReader,
	) -> None:
		copy = files.add("/files/copy-of-invoice.pdf", PDF)
		sender = make_sender()
		sender.send_media(TO, Media(MessageType.DOCUMENT, file_url=INVOICE))
		sender.send_media(TO, Media(MessageType.DOCUMENT, file_url=copy))
		assert len(uploads(fake_graph)) == 1
		assert message_bodies(fake_graph)[1]["document"]["filename"] == "copy-of-invoice.pdf"

	def test_another_phone_number_uploads_its_own_copy(
		self, make_sender: Callable[..., CloudApiSender], fake_graph: FakeGraphApi
	) -> None:
		make_sender().send_media(TO, Media(MessageType.DOCUMENT, file_url=INVOICE))
		make_sender("209876543210987").send_media(TO, Media(MessageType.DOCUMENT, file_url=INVOICE))
		assert [upload["phone_number_id"] for upload in uploads(fake_graph)] == [
			PHONE_NUMBER_ID,
			"209876543210987",
		]

	def test_a_media_id_or_link_is_sent_as_given(
		self, make_sender: Callable[..., CloudApiSender], fake_graph: FakeGraphApi
	) -> None:
		sender = make_sender()
		sender.send_media(TO, Media(MessageType.IMAGE, media_id="1234567890"))
		sender.send_media(TO, Media(MessageType.AUDIO, link="https://cdn.example/a.mp3", caption="x"))
		assert uploads(fake_graph) == []
		assert [body[body["type"]] for body in message_bodies(fake_graph)] == [
			{"id": "1234567890"},
			{"link": "https://cdn.example/a.mp3"},
		]

	def test_a_template_document_header_is_uploaded_and_sent_by_id(
		self, make_sender: Callable[..., CloudApiSender], fake_graph: FakeGraphApi
	) -> None:
		header = Media(MessageType.DOCUMENT, file_url=INVOICE, caption="not sent in a header")
		make_sender().send_template(TO, Template("invoice_ready", "en", ("Ada",), header_media=header))
		(upload,) = uploads(fake_graph)
		(body,) = message_bodies(fake_graph)
		assert body["template"]["components"] == [
			{
				"type": "header",
				"parameters": [
					{"type": "document", "document": {"id": upload["id"], "filename": "ACC-SINV-0001.pdf"}}
				],
			},
			{"type": "body", "parameters": [{"type": "text", "text": "Ada"}]},
		]


class TestLimitsBeforeAnyRequest:
	@pytest.mark.parametrize(
		("kind", "url", "content", "mime", "says"),
		[
			(MessageType.IMAGE, "/files/big.jpg", b"\xff" * (5 * MB + 1), None, "at most 5.0 MB"),
			(MessageType.IMAGE, "/files/anim.gif", b"GIF89a", None, "JPEG or PNG"),
			(MessageType.VIDEO, "/files/clip.mov", b"x" * 10, "video/quicktime", "MP4 or 3GPP"),
			(MessageType.STICKER, "/files/static.webp", b"RIFF0000WEBPVP8 " + b"0" * 110_000, None, "100 KB"),
			(MessageType.DOCUMENT, "/files/empty.pdf", b"", None, "is empty"),
		],
	)
	def test_a_file_meta_would_refuse_is_never_uploaded(
		self,
		make_sender: Callable[..., CloudApiSender],
		fake_graph: FakeGraphApi,
		files: MemoryFileReader,
		kind: str,
		url: str,
		content: bytes,
		mime: str | None,
		says: str,
	) -> None:
		files.add(url, content, mime)
		with pytest.raises(SendFailed, match=says) as refused:
			make_sender().send_media(TO, Media(kind, file_url=url))
		assert refused.value.action is ErrorAction.FIX_INPUT
		assert fake_graph.requests == []

	def test_an_animated_sticker_may_be_up_to_500_kb(self) -> None:
		flags = bytes([0x02, 0, 0, 0])
		animated = b"RIFF0000WEBPVP8X" + b"\x0a\x00\x00\x00" + flags + b"0" * 300_000
		check_file(MessageType.STICKER, MediaFile("a.webp", "image/webp", animated))
		with pytest.raises(InvalidMessage, match="500 KB"):
			check_file(MessageType.STICKER, MediaFile("a.webp", "image/webp", animated + b"0" * 300_000))

	def test_the_fake_refuses_what_meta_refuses(self, fake_graph: FakeGraphApi) -> None:
		"""The fake's own check, so a sender that skipped ours would fail the tests above."""
		client = GraphClient(f"{fake_graph.url}/v21.0", ACCESS_TOKEN, timeout=5.0)
		with pytest.raises(SendFailed, match="131053"):
			client.upload(
				f"{PHONE_NUMBER_ID}/media",
				{"messaging_product": "whatsapp", "type": "image/gif"},
				("a.gif", b"GIF", "image/gif"),
			)


class TestMediaRules:
	@pytest.mark.parametrize(
		"media",
		[
			Media(MessageType.IMAGE),
			Media(MessageType.IMAGE, link="https://x.example/a.png", file_url="/files/a.png"),
			Media(MessageType.IMAGE, media_id="123", file_url="/files/a.png"),
		],
	)
	def test_exactly_one_source(self, media: Media) -> None:
		with pytest.raises(InvalidMessage, match="exactly one source"):
			check_media(media)

	@pytest.mark.parametrize("url", ["/etc/passwd", "/files/../site_config.json", "https://x.example/f.pdf"])
	def test_a_file_url_must_be_a_file_of_the_site(self, url: str) -> None:
		with pytest.raises(InvalidMessage, match="not a file of this site"):
			check_media(Media(MessageType.DOCUMENT, file_url=url))

	def test_a_media_id_is_digits(self) -> None:
		with pytest.raises(InvalidMessage, match="media id"):
			check_media(Media(MessageType.IMAGE, media_id="abc"))

	def test_a_web_device_refuses_a_file(self) -> None:
		with pytest.raises(SendFailed, match="Official device") as refused:
			media_as_text(Media(MessageType.DOCUMENT, file_url=INVOICE))
		assert refused.value.action is ErrorAction.FIX_INPUT


class TestThroughTheOutbox:
	@pytest.fixture
	def harness(
		self,
		make_service: Callable[..., ServiceHarness],
		files: MemoryFileReader,
		cache: MemoryMediaIdCache,
	) -> ServiceHarness:
		return make_service(media=MediaSources(files, cache))

	def test_a_file_send_is_logged_with_its_file_and_retried_from_it(self, harness: ServiceHarness) -> None:
		harness.graph.fail_next(None, http_status=503, message="unavailable")
		media = Media(MessageType.DOCUMENT, file_url=INVOICE, filename="Invoice 0001.pdf")
		record = harness.service.send(OutboundMessage(TO, MessageType.DOCUMENT, media=media))
		assert (record.status, record.media_file_url, record.media_link) == (
			MessageStatus.QUEUED,
			INVOICE,
			None,
		)
		harness.clock.advance(3600)
		assert harness.service.retry_due() == 1
		stored = harness.repository.get_message(record.name or "")
		assert stored.status == MessageStatus.SENT
		(upload,) = uploads(harness.graph)
		assert message_bodies(harness.graph)[-1]["document"] == {
			"id": upload["id"],
			"filename": "Invoice 0001.pdf",
		}

	def test_a_template_header_survives_a_retry(self, harness: ServiceHarness) -> None:
		harness.graph.fail_next(None, http_status=503, message="unavailable")
		header = Media(MessageType.DOCUMENT, file_url=INVOICE)
		template = Template("invoice_ready", "en", ("Ada",), header_media=header)
		harness.service.send(OutboundMessage(TO, MessageType.TEMPLATE, template=template))
		harness.clock.advance(3600)
		harness.service.retry_due()
		first, second = message_bodies(harness.graph)
		assert first == second
		assert second["template"]["components"][0]["type"] == "header"

	def test_a_refused_file_fails_the_message_without_a_request(
		self, harness: ServiceHarness, files: MemoryFileReader
	) -> None:
		files.add("/files/photo.gif", b"GIF89a")
		media = Media(MessageType.IMAGE, file_url="/files/photo.gif")
		record = harness.service.send(OutboundMessage(TO, MessageType.IMAGE, media=media))
		assert record.status == MessageStatus.FAILED
		assert "JPEG or PNG" in (record.error_reason or "")
		assert harness.graph.requests == []

	def test_a_sender_without_file_access_refuses_files(
		self, make_service: Callable[..., ServiceHarness]
	) -> None:
		harness = make_service()
		media = Media(MessageType.DOCUMENT, file_url=INVOICE)
		record = harness.service.send(OutboundMessage(TO, MessageType.DOCUMENT, media=media))
		assert record.status == MessageStatus.FAILED
		assert harness.graph.requests == []
