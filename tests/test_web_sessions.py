"""WhatsApp Web sessions against real headless Chromium and the fake WhatsApp Web page."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.web_harness import WebHarness, make_harness
from whatsapp_integration.core.errors import (
	DriverPoolExhausted,
	ErrorAction,
	IllegalSessionTransition,
	RateLimited,
	RecipientNotOnWhatsApp,
	SendFailed,
	SendInDoubt,
	WebRecipientInvalid,
	WebSessionLoggedOut,
	WebSessionNotReady,
)
from whatsapp_integration.core.phone import same_number
from whatsapp_integration.core.web.selectors import load_registry
from whatsapp_integration.core.web.states import SessionState, can_move
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb

pytestmark = pytest.mark.browser

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
S = SessionState


@pytest.fixture(scope="module")
def web() -> Iterator[FakeWhatsAppWeb]:
	with FakeWhatsAppWeb(rotate_seconds=60.0) as server:
		yield server


@pytest.fixture
def harness(web: FakeWhatsAppWeb, tmp_path: Path) -> Iterator[WebHarness]:
	built = make_harness(web, tmp_path)
	yield built
	built.close()
	assert built.processes.live_processes() == []


def test_link_shows_a_rendered_qr_then_works_after_the_scan(harness: WebHarness) -> None:
	harness.supervisor.start("Shop")
	shown = harness.wait("Shop", S.SCAN_QR_CODE, S.FAILED)
	assert shown.state is S.SCAN_QR_CODE
	assert shown.qr_ref and shown.qr_ref.startswith("2@")
	assert shown.qr_png and shown.qr_png.startswith(PNG_MAGIC)
	assert harness.web.scan(shown.qr_ref)
	linked = harness.wait("Shop", S.WORKING, S.FAILED)
	assert linked.state is S.WORKING and linked.qr_png is None and linked.last_seen
	assert [entry.state for entry in linked.history] == [S.STARTING, S.SCAN_QR_CODE, S.WORKING]
	assert harness.listener.states("Shop") == ["STARTING", "SCAN_QR_CODE", "WORKING"]


def test_the_number_of_the_phone_that_scanned_is_read_and_compared(harness: WebHarness) -> None:
	"""Whoever scans first links their phone: the linked account's number (WhatsApp Web's
	`last-wid-md`) is read once linked, and a number other than the device's is a mismatch."""
	harness.supervisor.start("Shop")
	shown = harness.wait("Shop", S.SCAN_QR_CODE, S.FAILED)
	assert harness.web.scan(shown.qr_ref or "", phone="4915112345678")
	linked = harness.wait("Shop", S.WORKING, S.FAILED)
	assert linked.linked_number == "+4915112345678"
	assert linked.to_dict()["linked_number"] == "+4915112345678"
	assert same_number("+49 151 12345678", linked.linked_number)
	assert not same_number("+919876543210", linked.linked_number)
	assert same_number("", linked.linked_number) and same_number("+919876543210", None)


def test_a_rotated_code_is_captured_and_only_the_current_code_links(tmp_path: Path) -> None:
	with FakeWhatsAppWeb(rotate_seconds=0.7) as rotating:
		harness = make_harness(rotating, tmp_path)
		try:
			harness.supervisor.start("Shop")
			first = harness.wait("Shop", S.SCAN_QR_CODE).qr_ref
			deadline = time.monotonic() + 10
			while harness.supervisor.status("Shop").qr_ref == first and time.monotonic() < deadline:
				time.sleep(0.05)
			current = harness.supervisor.status("Shop")
			assert current.qr_ref != first and current.state is S.SCAN_QR_CODE
			assert first in harness.listener.qr_refs("Shop") and current.qr_ref in harness.listener.qr_refs(
				"Shop"
			)
			assert not rotating.scan(first or "")
			assert rotating.scan(current.qr_ref or "") or rotating.scan(
				harness.supervisor.status("Shop").qr_ref or ""
			)
			assert harness.wait("Shop", S.WORKING, S.FAILED).state is S.WORKING
		finally:
			harness.close()


def test_a_page_that_draws_the_qr_only_on_a_canvas_is_captured_as_an_image(tmp_path: Path) -> None:
	with FakeWhatsAppWeb(qr_attribute=False) as canvas_only:
		harness = make_harness(canvas_only, tmp_path)
		try:
			harness.supervisor.start("Shop")
			shown = harness.wait("Shop", S.SCAN_QR_CODE, S.FAILED)
			assert shown.state is S.SCAN_QR_CODE and shown.qr_ref is None
			assert shown.qr_png and shown.qr_png.startswith(PNG_MAGIC)
		finally:
			harness.close()


def test_a_qr_not_scanned_within_the_ttl_fails_and_keeps_the_browser_warm(harness: WebHarness) -> None:
	harness.supervisor.start("Shop")
	harness.wait("Shop", S.SCAN_QR_CODE)
	harness.clock.advance(harness.config.qr_session_ttl + 1)
	failed = harness.wait("Shop", S.FAILED)
	assert failed.state is S.FAILED and "not scanned within 60 s" in failed.reason
	assert harness.settled_pool() == {"busy": 0, "idle": 1, "starting": 0}
	assert harness.supervisor.start("Shop").state is S.STARTING
	assert harness.wait("Shop", S.SCAN_QR_CODE).state is S.SCAN_QR_CODE


def test_a_page_that_never_loads_fails_after_the_page_load_timeout(
	web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	harness = make_harness(web, tmp_path, web_base_url=f"{web.url}/api/config")
	try:
		harness.supervisor.start("Shop")
		time.sleep(1.0)
		assert harness.supervisor.status("Shop").state is S.STARTING
		harness.clock.advance(harness.config.page_load_timeout + 1)
		failed = harness.wait("Shop", S.FAILED)
		assert failed.state is S.FAILED and "did not load" in failed.reason
	finally:
		harness.close()


def test_sending_types_the_text_clicks_send_and_waits_for_the_tick(harness: WebHarness) -> None:
	harness.link("Shop")
	text = "Order #42 ✓ shipped: 50% off & more?\nSee https://example.com/a?b=c"
	receipt = harness.supervisor.send_text("Shop", "+14155550123", text, max_wait=5)
	assert receipt.message_id.startswith("true_14155550123@c.us_3EB0")
	assert receipt.recipient_id == "14155550123"
	assert harness.web.messages[-1]["phone"] == "14155550123"
	assert harness.web.messages[-1]["text"] == text


@pytest.mark.parametrize(
	("to", "error", "action"),
	[
		("+1415", WebRecipientInvalid, ErrorAction.FIX_INPUT),
		("+14155550124", RecipientNotOnWhatsApp, ErrorAction.FIX_INPUT),
	],
)
def test_whatsapp_web_refusals_become_typed_errors(
	harness: WebHarness, to: str, error: type[SendFailed], action: ErrorAction
) -> None:
	harness.web.set_not_on_whatsapp("+14155550124")
	harness.link("Shop")
	with pytest.raises(error) as raised:
		harness.supervisor.send_text("Shop", to, "hello", max_wait=5)
	assert raised.value.action is action and to in str(raised.value)
	assert harness.supervisor.status("Shop").state is S.WORKING
	assert all(message["text"] != "hello" for message in harness.web.messages)


def test_a_logged_out_device_fails_the_send_and_the_session(harness: WebHarness) -> None:
	harness.link("Shop")
	harness.web.logout_all()
	with pytest.raises(WebSessionLoggedOut) as raised:
		harness.supervisor.send_text("Shop", "+14155550123", "hello", max_wait=5)
	assert raised.value.action is ErrorAction.STOP and "Relink" in str(raised.value)
	status = harness.supervisor.status("Shop")
	assert status.state is S.FAILED and "unlinked" in status.reason


def test_a_message_that_never_gets_its_tick_is_in_doubt(web: FakeWhatsAppWeb, tmp_path: Path) -> None:
	"""The send button was clicked: the message may be out, so the failure is never retried."""
	harness = make_harness(web, tmp_path, element_timeout=1.0)
	try:
		harness.link("Shop")
		web.hold_ticks(True)
		with pytest.raises(SendInDoubt) as raised:
			harness.supervisor.send_text("Shop", "+14155550123", "held", max_wait=5)
		assert raised.value.action is ErrorAction.IN_DOUBT and not raised.value.action.retryable
		assert "tick" in str(raised.value) and "may have been delivered" in str(raised.value)
	finally:
		web.hold_ticks(False)
		harness.close()


def test_sending_without_a_working_session_says_how_to_link(harness: WebHarness) -> None:
	with pytest.raises(WebSessionNotReady) as raised:
		harness.supervisor.send_text("Shop", "+14155550123", "hello", max_wait=5)
	assert "STOPPED" in str(raised.value) and "Link" in str(raised.value)


def test_pacing_spaces_sends_and_refuses_what_would_wait_too_long(
	web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	harness = make_harness(web, tmp_path, web_min_send_gap_seconds=1.0, web_daily_cap=3)
	try:
		harness.link("Shop")
		started = time.monotonic()
		harness.supervisor.send_text("Shop", "+14155550123", "one", max_wait=5)
		harness.supervisor.send_text("Shop", "+14155550123", "two", max_wait=5)
		assert time.monotonic() - started >= 1.0
		with pytest.raises(RateLimited) as early:
			harness.supervisor.send_text("Shop", "+14155550123", "too soon", max_wait=0)
		assert 0 < early.value.retry_after <= 1.0
		harness.supervisor.send_text("Shop", "+14155550123", "three", max_wait=5)
		with pytest.raises(RateLimited) as capped:
			harness.supervisor.send_text("Shop", "+14155550123", "four", max_wait=5)
		assert "daily cap of 3" in str(capped.value) and capped.value.retry_after > 0
		arrivals = [message["at"] for message in web.messages if message["text"] in ("one", "two", "three")]
		assert len(arrivals) == 3
		assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(arrivals))
	finally:
		harness.close()


def test_a_restarted_supervisor_restores_the_login_without_a_scan(
	web: FakeWhatsAppWeb, tmp_path: Path
) -> None:
	first = make_harness(web, tmp_path)
	first.link("Shop")
	first.close()
	second = make_harness(web, tmp_path)
	try:
		second.supervisor.start("Shop", "Restored after the host restarted")
		restored = second.wait("Shop", S.WORKING, S.FAILED, S.SCAN_QR_CODE)
		assert restored.state is S.WORKING
		assert second.listener.states("Shop") == ["STARTING", "WORKING"]
	finally:
		second.close()


def test_logout_wipes_the_profile_so_the_next_link_needs_a_scan(harness: WebHarness) -> None:
	harness.link("Shop")
	profile = harness.supervisor.profile_dir("Shop")
	assert profile.exists()
	assert harness.supervisor.logout("Shop").state is S.STOPPED
	assert not profile.exists()
	harness.supervisor.start("Shop")
	assert harness.wait("Shop", S.SCAN_QR_CODE, S.WORKING).state is S.SCAN_QR_CODE


def test_an_idle_session_is_closed_by_the_sweep_and_reopened_for_a_send(harness: WebHarness) -> None:
	harness.link("Shop")
	harness.clock.advance(harness.config.idle_session_timeout + 1)
	harness.supervisor.sweep()
	closed = harness.supervisor.status("Shop")
	assert closed.state is S.STOPPED and "without activity" in closed.reason
	receipt = harness.supervisor.send_text("Shop", "+14155550123", "after idle", max_wait=5)
	assert receipt.message_id and harness.supervisor.status("Shop").state is S.WORKING


def test_a_crashed_browser_fails_its_session_at_the_next_sweep(harness: WebHarness) -> None:
	harness.supervisor.start("Shop")
	harness.wait("Shop", S.SCAN_QR_CODE)
	for tag in harness.processes.tracked_tags():
		harness.processes.kill(tag)
	harness.supervisor.sweep()
	failed = harness.supervisor.status("Shop")
	assert failed.state is S.FAILED and "stopped unexpectedly" in failed.reason


def test_stop_and_start_reuse_the_warm_browser(harness: WebHarness) -> None:
	harness.supervisor.start("Shop")
	harness.wait("Shop", S.SCAN_QR_CODE)
	tags = harness.processes.tracked_tags()
	harness.supervisor.stop("Shop")
	assert harness.settled_pool()["idle"] == 1
	harness.supervisor.start("Shop")
	assert harness.wait("Shop", S.SCAN_QR_CODE).state is S.SCAN_QR_CODE
	assert harness.processes.tracked_tags() == tags


def test_the_pool_never_holds_more_browsers_than_its_size(web: FakeWhatsAppWeb, tmp_path: Path) -> None:
	harness = make_harness(web, tmp_path, driver_pool_size=2)
	try:
		for device in ("A", "B"):
			harness.supervisor.start(device)
			assert harness.wait(device, S.SCAN_QR_CODE).state is S.SCAN_QR_CODE
		harness.supervisor.start("C")
		refused = harness.wait("C", S.FAILED)
		assert refused.state is S.FAILED and "All 2 WhatsApp Web browsers are busy" in refused.reason
		with pytest.raises(DriverPoolExhausted):
			harness.supervisor.pool.acquire(tmp_path / "another")
		harness.supervisor.stop("A")
		harness.supervisor.start("C")
		assert harness.wait("C", S.SCAN_QR_CODE).state is S.SCAN_QR_CODE
		assert len(harness.processes.tracked_tags()) == 2
	finally:
		harness.close()


def test_a_smaller_pool_from_changed_settings_quits_the_surplus_idle_browsers(harness: WebHarness) -> None:
	for device in ("A", "B", "C"):
		harness.supervisor.start(device)
		assert harness.wait(device, S.SCAN_QR_CODE).state is S.SCAN_QR_CODE
		harness.supervisor.stop(device)
	assert harness.settled_pool()["idle"] == 3
	harness.supervisor.reconfigure(replace(harness.config, driver_pool_size=1))
	assert harness.supervisor.pool.counts()["idle"] == 1
	kept = harness.processes.tracked_tags()
	assert len(kept) == 1
	harness.supervisor.start("C")
	assert harness.wait("C", S.SCAN_QR_CODE).state is S.SCAN_QR_CODE
	assert harness.processes.tracked_tags() == kept, "the most recently used browser stays warm"


def test_concurrent_start_and_stop_from_many_threads_keep_every_session_consistent(
	harness: WebHarness,
) -> None:
	devices, outcomes, unexpected = ["A", "B", "C"], [], []
	rng = random.Random(7)
	plans = [[(rng.choice(devices), rng.choice(("start", "stop"))) for _ in range(8)] for _ in range(12)]

	def worker(plan: list[tuple[str, str]]) -> None:
		for device, action in plan:
			try:
				getattr(harness.supervisor, action)(device)
				outcomes.append("ok")
			except IllegalSessionTransition:
				outcomes.append("refused")
			except Exception as error:
				unexpected.append(error)
			time.sleep(rng.random() * 0.05)

	threads = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(60)
	assert not unexpected and "ok" in outcomes and "refused" in outcomes
	for device in devices:
		if harness.supervisor.status(device).state is not S.STOPPED:
			harness.supervisor.stop(device)
		history = harness.supervisor.status(device).history
		assert all(can_move(a.state, b.state) for a, b in itertools.pairwise(history))
	counts = harness.settled_pool()
	assert counts["busy"] == counts["starting"] == 0, counts
	assert len(harness.processes.tracked_tags()) <= harness.config.driver_pool_size


def test_the_canary_names_the_selectors_that_no_longer_match(harness: WebHarness) -> None:
	harness.link("Shop")
	assert harness.supervisor.canary("Shop").ok
	changed = load_registry().replace_css(chat_list="div[aria-label='Chats (new layout)']")
	report = harness.supervisor.canary("Shop", changed)
	assert report.page == "main" and report.broken == ("chat_list",)
