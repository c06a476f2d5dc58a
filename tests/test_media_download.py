"""Inbound media download against the fake Graph API (a real HTTP server): the URL step, the
bearer token on both requests, the size limit, the MIME allowlist, Meta's checksum, an expired
URL fetched again, retries and their end (issue #12)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest

from tests.conftest import ACCESS_TOKEN, FakeClock
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.inbound_media import sha256_matches, stored_filename
from whatsapp_integration.core.vocabulary import MediaStatus
from whatsapp_integration.senders.factory import DeviceProfile, graph_client_for
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.media_download import LEASE_SECONDS, MediaDownloader
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_media import add_media, download_requests
from whatsapp_integration.testing.memory_media_store import MediaRow, MemoryMediaStore

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
CONFIG = WhatsAppConfig(retry_backoff_seconds=30.0, max_retry_attempts=3)


def downloader(
	api: FakeGraphApi, clock: FakeClock, config: WhatsAppConfig = CONFIG, token: str = ACCESS_TOKEN
) -> tuple[MediaDownloader, MemoryMediaStore]:
	store = MemoryMediaStore()
	client = GraphClient(f"{api.url}/v21.0", token, timeout=5)
	return MediaDownloader(store, config, lambda device: client, now=clock.now), store


def pending(store: MemoryMediaStore, media_id: str, filename: str | None = None) -> str:
	wamid = f"wamid.{media_id}"
	store.add(wamid, MediaRow(device="Main Number", media_id=media_id, filename=filename))
	return wamid


def paths(api: FakeGraphApi) -> list[str]:
	return [
		request.path.split("/")[1] if request.path.startswith("/_") else "node" for request in api.requests
	]


def test_url_step_then_the_file_with_the_bearer_token(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-ok", PNG, "image/png")
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-ok")
	assert service.download(wamid) is MediaStatus.DOWNLOADED
	row = store.rows[wamid]
	assert row.file == ("whatsapp-MID-ok.png", PNG, "image/png")
	assert (row.status, row.error, row.attempts) == (MediaStatus.DOWNLOADED, None, 1)
	node, download = fake_graph.requests
	assert (node.method, node.path) == ("GET", "/v21.0/MID-ok")
	assert download.path.startswith("/_media_download/")
	assert {node.headers["Authorization"], download.headers["Authorization"]} == {f"Bearer {ACCESS_TOKEN}"}


def test_the_customers_file_name_is_kept_safely(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-doc", b"%PDF-1.4 invoice", "application/pdf")
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-doc", filename="../../Invoice <42>.pdf")
	assert service.download(wamid) is MediaStatus.DOWNLOADED
	assert store.rows[wamid].file[0] == "Invoice _42_.pdf"


def test_a_wrong_token_fails_without_retry(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-token", PNG, "image/png")
	service, store = downloader(fake_graph, clock, token="not-the-token")
	wamid = pending(store, "MID-token")
	assert service.download(wamid) is MediaStatus.FAILED
	assert "190" in store.rows[wamid].error
	assert not download_requests(fake_graph)


def test_declared_size_over_the_limit_is_refused_before_downloading(
	fake_graph: FakeGraphApi, clock: FakeClock
) -> None:
	add_media(fake_graph, "MID-big", PNG, "image/png", file_size=3 * 1024 * 1024)
	service, store = downloader(fake_graph, clock, CONFIG.replace(inbound_media_max_mb=2))
	wamid = pending(store, "MID-big")
	assert service.download(wamid) is MediaStatus.REFUSED
	assert "3,145,728 bytes" in store.rows[wamid].error and "2 MB" in store.rows[wamid].error
	assert store.rows[wamid].file is None
	assert not download_requests(fake_graph)


def test_a_file_larger_than_declared_is_refused_at_the_limit(
	fake_graph: FakeGraphApi, clock: FakeClock
) -> None:
	content = b"x" * (1024 * 1024 + 10)
	add_media(fake_graph, "MID-liar", content, "image/png", file_size=100, sha256="0" * 64)
	service, store = downloader(fake_graph, clock, CONFIG.replace(inbound_media_max_mb=1))
	wamid = pending(store, "MID-liar")
	assert service.download(wamid) is MediaStatus.REFUSED
	assert "more than 1,048,576 bytes" in store.rows[wamid].error
	assert store.rows[wamid].next_attempt_at is None  # refused: never retried


def test_a_type_off_the_allowlist_is_refused(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-exe", b"MZ\x90\x00", "application/x-msdownload")
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-exe")
	assert service.download(wamid) is MediaStatus.REFUSED
	assert "application/x-msdownload" in store.rows[wamid].error
	assert "Inbound media MIME types" in store.rows[wamid].error
	assert not download_requests(fake_graph)


def test_a_family_on_the_allowlist_accepts_its_types(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-gif", b"GIF89a", "image/gif")
	config = CONFIG.replace(inbound_media_mime_types=("image/*",))
	service, store = downloader(fake_graph, clock, config)
	assert service.download(pending(store, "MID-gif")) is MediaStatus.DOWNLOADED


def test_a_checksum_mismatch_is_refused(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-sha", PNG, "image/png", sha256=hashlib.sha256(b"other").hexdigest())
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-sha")
	assert service.download(wamid) is MediaStatus.REFUSED
	assert "SHA-256" in store.rows[wamid].error


def test_an_expired_url_is_fetched_again_at_once(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-exp", PNG, "image/png", expired_urls=1)
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-exp")
	assert service.download(wamid) is MediaStatus.DOWNLOADED
	assert paths(fake_graph) == ["node", "_media_download", "node", "_media_download"]
	assert store.rows[wamid].file[1] == PNG


def test_a_url_that_outlives_its_ttl_expires(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-ttl", PNG, "image/png", url_ttl=0.0)
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-ttl")
	assert service.download(wamid) is MediaStatus.PENDING
	assert "404" in store.rows[wamid].error


def test_retryable_failures_wait_then_succeed(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-retry", PNG, "image/png", expired_urls=2)
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-retry")
	assert service.download(wamid) is MediaStatus.PENDING
	row = store.rows[wamid]
	assert row.attempts == 1 and "tried again automatically" in row.error
	assert clock.now() + timedelta(seconds=15) <= row.next_attempt_at <= clock.now() + timedelta(seconds=45)
	assert service.download_due() == 0  # not due yet
	clock.current = row.next_attempt_at
	assert service.download_due() == 1
	assert (row.status, row.attempts, row.error) == (MediaStatus.DOWNLOADED, 2, None)


def test_retries_end_failed_with_the_reason(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-gone", PNG, "image/png", expired_urls=100)
	service, store = downloader(fake_graph, clock, CONFIG.replace(max_retry_attempts=2))
	wamid = pending(store, "MID-gone")
	assert service.download(wamid) is MediaStatus.PENDING
	clock.current = store.rows[wamid].next_attempt_at
	assert service.download(wamid) is MediaStatus.FAILED
	assert store.rows[wamid].error.startswith("The media could not be downloaded")


def test_a_claimed_row_is_not_downloaded_twice(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-lease")
	assert store.claim(wamid, clock.now(), clock.now() + timedelta(seconds=LEASE_SECONDS))
	assert service.download(wamid) is None
	assert fake_graph.requests == []


def test_rows_whose_job_never_ran_are_picked_up(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	add_media(fake_graph, "MID-stuck", PNG, "image/png")
	service, store = downloader(fake_graph, clock)
	wamid = pending(store, "MID-stuck")
	store.rows[wamid].stored_at = clock.now()
	assert service.download_due() == 0  # just stored: its queued job will take it
	clock.current += timedelta(seconds=LEASE_SECONDS)
	assert service.download_due() == 1
	assert store.rows[wamid].status is MediaStatus.DOWNLOADED


def test_settings_check_the_allowlist() -> None:
	config = WhatsAppConfig.from_mapping({"inbound_media_mime_types": "Image/PNG\n\naudio/*\n"})
	assert config.inbound_media_mime_types == ("image/png", "audio/*")
	with pytest.raises(ConfigurationError, match="'pdf' is not a MIME type"):
		WhatsAppConfig.from_mapping({"inbound_media_mime_types": "image/png\npdf"})
	with pytest.raises(ConfigurationError, match="Inbound media max mb"):
		WhatsAppConfig(inbound_media_max_mb=0)


def test_checksums_in_hex_or_base64() -> None:
	digest = hashlib.sha256(PNG)
	assert sha256_matches(PNG, digest.hexdigest())
	assert sha256_matches(PNG, base64.b64encode(digest.digest()).decode())
	assert not sha256_matches(PNG, "not a digest")


def test_a_nameless_file_gets_the_media_id_and_extension() -> None:
	assert stored_filename("123/../9", None, "audio/ogg") == "whatsapp-123_.._9.ogg"
	assert stored_filename("55", "", "application/x-unknown") == "whatsapp-55"


def test_a_device_without_a_token_fails_with_what_to_do(clock: FakeClock) -> None:
	store = MemoryMediaStore()
	device = DeviceProfile("Main Number", phone_number_id="1")
	service = MediaDownloader(store, CONFIG, lambda name: graph_client_for(device, CONFIG), now=clock.now)
	wamid = pending(store, "MID-notoken")
	assert service.download(wamid) is MediaStatus.FAILED
	assert "No access token is set" in store.rows[wamid].error
