"""WhatsApp Web units without a browser: states, QR rendering, pacing, the host protocol's
errors, the selectors registry and the ownership-tagged process registry."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import qrcode
import redis
from PIL import Image

from tests.web_harness import web_config
from whatsapp_integration.core import errors
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.i18n import Text
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.selectors import load_registry
from whatsapp_integration.core.web.states import (
	SessionSnapshot,
	SessionState,
	Transition,
	can_move,
	check_move,
	device_status,
)
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.qr_service import SessionRecorder
from whatsapp_integration.session_host.host import SessionHost, build_supervisor
from whatsapp_integration.session_host.pacing import MemoryDailyCounter, RedisDailyCounter, SendPacer
from whatsapp_integration.session_host.processes import MARKER_VARIABLE, ProcessRegistry, is_alive
from whatsapp_integration.session_host.protocol import Command, error_reply, rebuild_error
from whatsapp_integration.session_host.qr import QrCapture, render_qr
from whatsapp_integration.session_host.sender import send_url
from whatsapp_integration.testing.memory_web_sessions import MemoryWebSessionRepository

S = SessionState


@pytest.mark.parametrize(
	("current", "target", "allowed"),
	[
		(S.STOPPED, S.STARTING, True),
		(S.STARTING, S.SCAN_QR_CODE, True),
		(S.STARTING, S.WORKING, True),
		(S.SCAN_QR_CODE, S.WORKING, True),
		(S.SCAN_QR_CODE, S.FAILED, True),
		(S.WORKING, S.STOPPED, True),
		(S.FAILED, S.STARTING, True),
		(S.STOPPED, S.STOPPED, False),
		(S.STOPPED, S.WORKING, False),
		(S.WORKING, S.STARTING, False),
		(S.WORKING, S.SCAN_QR_CODE, False),
		(S.SCAN_QR_CODE, S.STARTING, False),
	],
)
def test_the_transition_table(current: S, target: S, allowed: bool) -> None:
	assert can_move(current, target) is allowed
	if not allowed:
		with pytest.raises(errors.IllegalSessionTransition) as raised:
			check_move("Shop", current, target)
		assert f"is {current.value} and cannot become {target.value}" in str(raised.value)


def test_the_device_status_follows_the_session_state() -> None:
	statuses = {state: device_status(state) for state in S}
	assert statuses == {
		S.STOPPED: "Inactive",
		S.STARTING: "Inactive",
		S.SCAN_QR_CODE: "Inactive",
		S.WORKING: "Active",
		S.FAILED: "Error",
	}
	repository = MemoryWebSessionRepository([DeviceProfile(name="Shop", mode=DeviceMode.WEB)])
	failed = Transition(S.FAILED, 1000.0, "logged out")
	repository.save_session(SessionSnapshot("Shop", S.FAILED, (failed,)), failed)
	assert repository.sessions["Shop"].device_status == "Error"


def test_the_rendered_png_encodes_exactly_the_captured_code() -> None:
	ref = "2@Qm9vbGVhbkxvZ2lj,c2Vzc2lvbktleQ==,7"
	image = Image.open(io.BytesIO(render_qr(QrCapture(ref=ref), box_size=4))).convert("L")
	expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=4)
	expected.add_data(ref)
	expected.make(fit=True)
	matrix = expected.get_matrix()
	assert image.size == (len(matrix) * 4, len(matrix) * 4)
	read = [
		[image.getpixel((x * 4 + 2, y * 4 + 2)) < 128 for x in range(len(matrix))] for y in range(len(matrix))
	]
	assert read == matrix


def test_a_canvas_capture_is_shown_as_the_page_drew_it() -> None:
	png = b"\x89PNG\r\n\x1a\nfake-canvas"
	assert render_qr(QrCapture(canvas_png=png)) == png
	assert QrCapture(canvas_png=png).key != QrCapture(canvas_png=png + b"x").key


class _Clock:
	def __init__(self) -> None:
		self.now = 1000.0

	def __call__(self) -> float:
		return self.now


def test_pacing_books_slots_a_gap_plus_jitter_apart() -> None:
	clock, draws = _Clock(), iter([0.5, 0.25, 1.0])
	pacer = SendPacer(8.0, 4.0, 100, MemoryDailyCounter(), clock=clock, rand=lambda: next(draws))
	assert pacer.reserve("Shop", max_wait=60) == 0
	assert pacer.reserve("Shop", max_wait=60) == pytest.approx(8.0 + 2.0)
	assert pacer.reserve("Shop", max_wait=60) == pytest.approx(10.0 + 8.0 + 1.0)
	assert pacer.reserve("Other", max_wait=60) == 0


def test_the_gap_counts_from_the_end_of_a_slow_send() -> None:
	clock = _Clock()
	pacer = SendPacer(8.0, 0.0, 100, MemoryDailyCounter(), clock=clock, rand=lambda: 0.0)
	pacer.reserve("Shop", max_wait=0)
	clock.now += 5
	pacer.record_send("Shop")
	assert pacer.reserve("Shop", max_wait=60) == pytest.approx(8.0)


def test_a_slot_too_far_away_is_refused_and_not_booked() -> None:
	clock = _Clock()
	pacer = SendPacer(8.0, 0.0, 100, MemoryDailyCounter(), clock=clock, rand=lambda: 0.0)
	pacer.reserve("Shop", max_wait=0)
	clock.now += 3
	with pytest.raises(errors.RateLimited) as raised:
		pacer.reserve("Shop", max_wait=1)
	assert raised.value.retry_after == pytest.approx(5.0)
	clock.now += 5
	assert pacer.reserve("Shop", max_wait=0) == 0


def test_the_daily_cap_refuses_until_midnight(redis_url: str) -> None:
	client = redis.Redis.from_url(redis_url)
	client.flushdb()
	today = datetime(2026, 3, 2, 22, 0, 0)
	pacer = SendPacer(0.0, 0.0, 2, RedisDailyCounter(client, "test:"), today=lambda: today)
	pacer.reserve("Shop", 0)
	pacer.reserve("Shop", 0)
	with pytest.raises(errors.RateLimited) as raised:
		pacer.reserve("Shop", 0)
	assert raised.value.retry_after == pytest.approx(2 * 3600)
	again = SendPacer(0.0, 0.0, 2, RedisDailyCounter(client, "test:"), today=lambda: today)
	with pytest.raises(errors.RateLimited):
		again.reserve("Shop", 0)


@pytest.mark.parametrize(
	"error",
	[
		errors.WebRecipientInvalid("bad number"),
		errors.RecipientNotOnWhatsApp("not on WhatsApp"),
		errors.WebSessionLoggedOut("logged out"),
		errors.WebSessionNotReady("not linked"),
		errors.IllegalSessionTransition("Shop", "WORKING", "STARTING"),
		errors.DriverPoolExhausted("pool full"),
		errors.RateLimited("slow down", retry_after=7.5),
		errors.SendFailed("no tick", action=errors.ErrorAction.RETRY),
	],
)
def test_host_errors_arrive_as_the_same_typed_error(error: errors.WhatsAppError) -> None:
	rebuilt = rebuild_error(error_reply(error))
	assert type(rebuilt) is type(error) and str(rebuilt) == str(error)
	assert getattr(rebuilt, "action", None) == getattr(error, "action", None)
	assert getattr(rebuilt, "retry_after", None) == getattr(error, "retry_after", None)
	if isinstance(rebuilt, errors.SendFailed):  # a whole SendFailed: Meta's details too (none from the host)
		assert (rebuilt.subcode, rebuilt.fbtrace_id, rebuilt.is_transient) == (None, None, None)


def test_an_unexpected_host_failure_is_a_generic_whatsapp_error() -> None:
	rebuilt = rebuild_error(error_reply(KeyError("to")))
	assert type(rebuilt) is errors.WhatsAppError and "session host failed" in str(rebuilt)


def test_the_selectors_registry_is_versioned_and_complete() -> None:
	registry = load_registry()
	assert registry.version >= 1
	needed = {"qr_code", "qr_canvas", "chat_list", "compose_box", "send_button", "popup", "sent_tick"}
	assert needed <= set(registry.selectors)
	assert registry.texts["invalid_number"] == ("phone number shared via url is invalid",)


def test_an_unreadable_selectors_file_is_a_configuration_error(tmp_path: Path) -> None:
	broken = tmp_path / "selectors.json"
	broken.write_text('{"version": 2, "selectors": {"qr_code": {}}}')
	with pytest.raises(errors.ConfigurationError) as raised:
		load_registry(broken)
	assert str(broken) in str(raised.value)


def test_the_send_url_carries_digits_and_the_encoded_text() -> None:
	url = send_url("http://web.test/", "+14155550123", "50% off & more?\nyes")
	assert url == "http://web.test/send?phone=14155550123&text=50%25%20off%20%26%20more%3F%0Ayes"


def _sleeper(environment: dict[str, str]) -> subprocess.Popen:
	return subprocess.Popen(
		[sys.executable, "-c", "import time; time.sleep(60)"], env=environment, start_new_session=True
	)


def test_orphans_are_found_by_their_ownership_tag_and_nothing_else_is_killed(tmp_path: Path) -> None:
	registry = ProcessRegistry(tmp_path / "processes.json")
	ours = _sleeper(registry.environment(registry.new_tag()))
	stranger = _sleeper({MARKER_VARIABLE: "someone-else:tag"})
	try:
		after_crash = ProcessRegistry(tmp_path / "processes.json")
		assert after_crash.marker == registry.marker and after_crash.tracked_tags() == registry.tracked_tags()
		assert after_crash.live_processes() == [ours.pid]
		assert after_crash.kill_orphans() == 1
		ours.wait(5)
		assert not is_alive(ours.pid) and is_alive(stranger.pid)
		assert after_crash.tracked_tags() == set()
	finally:
		for process in (ours, stranger):
			process.kill()
			process.wait()


def test_sessions_a_dead_host_left_unfinished_are_stopped_and_working_ones_restored() -> None:
	repository = MemoryWebSessionRepository(
		[DeviceProfile(name="Shop", mode=DeviceMode.WEB), DeviceProfile(name="Desk", mode=DeviceMode.WEB)]
	)
	recorder = SessionRecorder(repository)
	for device, state in (("Shop", S.WORKING), ("Desk", S.SCAN_QR_CODE)):
		transition = Transition(state, 1000.0, "before the crash")
		recorder.session_changed(SessionSnapshot(device, state, (transition,), qr_png=b"png"), transition)
	assert repository.stop_sessions((S.STARTING, S.SCAN_QR_CODE), "The host restarted") == ["Desk"]
	desk = repository.sessions["Desk"]
	assert desk.state is S.STOPPED and desk.qr_png is None and desk.history[-1].reason == "The host restarted"
	assert repository.restorable_devices() == ["Shop"]


class SettingsSource:
	"""What `get_config()` gives the host: the Settings as saved now, or an error."""

	def __init__(self, config: WhatsAppConfig) -> None:
		self.config = config
		self.problem: Exception | None = None
		self.calls = 0

	def __call__(self) -> WhatsAppConfig:
		self.calls += 1
		if self.problem is not None:
			raise self.problem
		return self.config

	def wait_calls(self, more: int, timeout: float = 10.0) -> None:
		target, deadline = self.calls + more, time.monotonic() + timeout
		while self.calls < target and time.monotonic() < deadline:
			time.sleep(0.05)
		assert self.calls >= target, "the host did not ask for the settings before its sweeps"


def test_the_host_applies_changed_settings_before_each_sweep(redis_url: str, tmp_path: Path) -> None:
	source = SettingsSource(web_config("http://127.0.0.1:9", session_sweep_interval=1.0))
	recorder = SessionRecorder(MemoryWebSessionRepository([]))
	supervisor, processes = build_supervisor(source.config, tmp_path, recorder, MemoryDailyCounter())
	host = SessionHost(
		supervisor, redis.Redis.from_url(redis_url), "test:settings:", processes, config_source=source
	)
	serving = threading.Thread(target=host.run, daemon=True)
	serving.start()
	try:
		changed = replace(
			source.config,
			qr_session_ttl=120.0,
			web_min_send_gap_seconds=3.0,
			web_send_jitter_seconds=0.0,
			web_daily_cap=7,
			driver_pool_size=2,
		)
		source.problem = errors.ConfigurationError("Settings could not be read")
		source.config = changed
		source.wait_calls(2)
		assert supervisor.config.qr_session_ttl == 60.0, "a failing source must keep the current settings"
		source.problem = None
		source.wait_calls(2)
		assert supervisor.config == changed
		assert (supervisor.pool.max_size, supervisor.pacer.daily_cap) == (2, 7)
		supervisor.pacer.reserve("Shop", max_wait=0)
		with pytest.raises(errors.RateLimited, match="every 3 s"):
			supervisor.pacer.reserve("Shop", max_wait=0)
	finally:
		host.stopping.set()
		serving.join(30)


def test_a_host_error_keeps_its_sentence_for_translation() -> None:
	error = errors.IllegalSessionTransition("Shop", "WORKING", "STARTING")
	rebuilt = rebuild_error(json.loads(json.dumps(error_reply(error))))
	message = rebuilt.args[0]
	assert isinstance(message, Text) and message == str(error)
	assert message.template.startswith("The WhatsApp Web session of device {device} is {current}")
	assert message.kwargs == {"device": "Shop", "current": "WORKING", "target": "STARTING"}


def test_an_expired_command_is_refused_in_a_sentence_for_translation(redis_url: str, tmp_path: Path) -> None:
	recorder = SessionRecorder(MemoryWebSessionRepository([]))
	config = web_config("http://127.0.0.1:9")
	supervisor, processes = build_supervisor(config, tmp_path, recorder, MemoryDailyCounter())
	host = SessionHost(supervisor, redis.Redis.from_url(redis_url), "test:expired:", processes)
	try:
		reply = host.handle(Command("send", "Shop", deadline=time.time() - 1))
	finally:
		supervisor.shutdown()
	rebuilt = rebuild_error(json.loads(json.dumps(reply)))
	assert isinstance(rebuilt, errors.SessionHostUnavailable)
	assert rebuilt.action is errors.ErrorAction.RETRY
	message = rebuilt.args[0]
	assert isinstance(message, Text) and message.template == "The command expired before it ran."
