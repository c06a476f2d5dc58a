"""WhatsApp Web on a real site: the session host as the bench command, linking through the
devices API with the QR stored on the Device, and a test send ending in a Sent Message Log row.

Needs Chromium and chromedriver on the bench machine (scripts/test.sh installs them)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from whatsapp_integration.api import devices
from whatsapp_integration.repositories.web_sessions import qr_viewers
from whatsapp_integration.session_host.processes import ProcessRegistry
from whatsapp_integration.site.web import host_client, session_cleanup, state_dir
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb
from whatsapp_integration.tests.utils import (
	DEVICE_READER,
	DEVICE_WRITER,
	RUN_ID,
	configure_settings,
	ensure_device,
	ensure_user,
	unique_digits,
)

# This run's Web devices, deleted at the end (a WORKING one would be restored by the next host)
DEVICE = f"_Test WhatsApp Web Device {RUN_ID}"
DEVICE_DOCTYPE = "WhatsApp Device"
LEFTOVER = f"_Test WhatsApp Web Leftover {RUN_ID}"
# A browser starting on a busy 2-core machine can take long: wait on states up to this
STATE_TIMEOUT = 180.0


class TestWebHost(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.web = FakeWhatsAppWeb(rotate_seconds=60.0).start()
		configure_settings(
			web_base_url=cls.web.url,
			web_min_send_gap_seconds=0,
			web_send_jitter_seconds=0,
			element_timeout=10,
			page_load_timeout=30,
			driver_pool_size=4,
			session_sweep_interval=2,
		)
		ensure_device(DEVICE, mode="Web", phone_number="+919876500077", is_default=0)
		frappe.db.set_value(DEVICE_DOCTYPE, DEVICE, "web_state", "STOPPED")
		ensure_device(LEFTOVER, mode="Web", phone_number="+919876500079", is_default=0)
		frappe.db.set_value(
			DEVICE_DOCTYPE,
			LEFTOVER,
			{"web_state": "SCAN_QR_CODE", "web_qr_image": "data:,", "status": "Active"},
		)
		frappe.db.commit()
		cls.host = subprocess.Popen(
			[
				sys.executable,
				"-m",
				"frappe.utils.bench_helper",
				"frappe",
				"--site",
				frappe.local.site,
				"whatsapp-web-host",
			],
			cwd=f"{get_bench_path()}/sites",
		)
		_wait_until(lambda: host_client().is_running(), STATE_TIMEOUT, "the session host did not start")

	@classmethod
	def tearDownClass(cls) -> None:
		cls.host.send_signal(signal.SIGTERM)
		cls.host.wait(STATE_TIMEOUT)
		cls.web.stop()
		for device in (DEVICE, LEFTOVER):
			_delete(device)
		super().tearDownClass()

	def test_the_scheduler_cleanup_asks_the_running_host_to_sweep(self) -> None:
		self.assertEqual(host_client().call("sweep"), {"pid": self.host.pid})
		result = session_cleanup().run()
		self.assertEqual((result.swept, result.stopped), (True, []))

	def test_changed_settings_reach_the_running_host(self) -> None:
		"""A smaller Driver pool size saved while the host runs quits the surplus idle browser."""
		for device in (DEVICE, LEFTOVER):
			devices.start_session(device)
			_wait_for_device(lambda row: row.web_state == "SCAN_QR_CODE", device=device)
			devices.stop_session(device)
		self.assertEqual(len(_tracked_browsers()), 2)
		try:
			configure_settings(driver_pool_size=1)
			_wait_until(
				lambda: len(_tracked_browsers()) == 1,
				STATE_TIMEOUT,
				"the host kept 2 browsers for a pool of 1",
			)
		finally:
			configure_settings(driver_pool_size=4)

	def test_link_then_send_through_the_api_ending_in_a_sent_log_row(self) -> None:
		devices.logout(DEVICE)
		self.assertEqual(devices.start_session(DEVICE)["state"], "STARTING")
		shown = _wait_for_device(lambda row: row.web_state == "SCAN_QR_CODE" and bool(row.web_qr_image))
		self.assertTrue(shown.web_qr_image.startswith("data:image/png;base64,"))
		self.assertTrue(self.web.scan(self.web.pending_refs()[-1]))
		linked = _wait_for_device(lambda row: row.web_state == "WORKING")
		history = [entry["state"] for entry in json.loads(linked.web_state_history)]
		self.assertEqual(history[-3:], ["STARTING", "SCAN_QR_CODE", "WORKING"])
		self.assertEqual((linked.web_qr_image, linked.status), ("", "Active"))
		self.assertIn("whatsapp_web", linked.web_profile_path)
		result = devices.send_test(DEVICE, "+14155550123", "Hello from the bench")
		self.assertEqual(result["status"], "Sent", result)
		log = frappe.get_doc("WhatsApp Message Log", result["message_log"])
		self.assertEqual((log.device, log.to_number, log.status), (DEVICE, "+14155550123", "Sent"))
		self.assertTrue(log.wamid.startswith("true_14155550123@c.us_"))
		self.assertEqual(self.web.messages[-1]["text"], "Hello from the bench")
		self.assertEqual(devices.session_status(DEVICE)["state"], "WORKING")

	def test_only_users_who_may_link_the_device_get_its_qr(self) -> None:
		reader = ensure_user(DEVICE_READER, ("WhatsApp User",))
		writer = ensure_user(DEVICE_WRITER, ("WhatsApp Manager",))
		devices.logout(DEVICE)
		devices.start_session(DEVICE)
		_wait_for_device(lambda row: row.web_state == "SCAN_QR_CODE" and bool(row.web_qr_image))
		try:
			frappe.set_user(writer)
			shown = devices.session_status(DEVICE)
			frappe.set_user(reader)
			hidden = devices.session_status(DEVICE)
		finally:
			frappe.set_user("Administrator")
			devices.stop_session(DEVICE)
		self.assertEqual((shown["state"], hidden["state"]), ("SCAN_QR_CODE", "SCAN_QR_CODE"))
		self.assertTrue(shown["qr_png_base64"])
		self.assertNotIn("qr_png_base64", hidden)
		self.assertIn(writer, qr_viewers(DEVICE))
		self.assertNotIn(reader, qr_viewers(DEVICE))

	def test_stop_keeps_the_login_and_logout_wipes_it(self) -> None:
		devices.logout(DEVICE)
		devices.start_session(DEVICE)
		_wait_for_device(lambda row: row.web_state == "SCAN_QR_CODE")
		self.web.scan(self.web.pending_refs()[-1])
		_wait_for_device(lambda row: row.web_state == "WORKING")
		self.assertEqual(devices.stop_session(DEVICE)["state"], "STOPPED")
		self.assertEqual(_wait_for_device(lambda row: row.web_state == "STOPPED").status, "Inactive")
		devices.start_session(DEVICE)
		restored = _wait_for_device(lambda row: row.web_state in ("WORKING", "SCAN_QR_CODE"))
		self.assertEqual(restored.web_state, "WORKING")
		self.assertEqual(devices.logout(DEVICE)["state"], "STOPPED")
		devices.start_session(DEVICE)
		self.assertEqual(
			_wait_for_device(lambda row: row.web_state in ("WORKING", "SCAN_QR_CODE")).web_state,
			"SCAN_QR_CODE",
		)
		devices.stop_session(DEVICE)

	def test_a_session_a_previous_host_left_waiting_for_a_scan_is_stopped(self) -> None:
		frappe.db.commit()
		row = frappe.db.get_value(
			DEVICE_DOCTYPE, LEFTOVER, ["web_state", "web_state_reason", "web_qr_image"], as_dict=True
		)
		self.assertEqual((row.web_state, row.web_qr_image), ("STOPPED", ""))
		self.assertEqual(frappe.db.get_value(DEVICE_DOCTYPE, LEFTOVER, "status"), "Inactive")
		self.assertIn("restarted", row.web_state_reason)

	def test_an_official_device_cannot_be_linked_with_a_qr_code(self) -> None:
		official = f"_Test WhatsApp Official Device {RUN_ID}"
		ensure_device(official, phone_number_id=unique_digits(15), is_default=0)
		self.addCleanup(_delete, official)
		with self.assertRaises(frappe.ValidationError):
			devices.start_session(official)


class TestWebHostLeavesNoBrowser(FrappeTestCase):
	"""Runs after TestWebHost (classes run in name order) has stopped its host."""

	def test_no_browser_process_of_the_site_outlives_the_host(self) -> None:
		ensure_device(DEVICE, mode="Web", phone_number="+919876500077", is_default=0)
		self.addCleanup(_delete, DEVICE)
		self.assertFalse(host_client().is_running())
		self.assertEqual(ProcessRegistry(state_dir() / "processes.json").live_processes(), [])
		with self.assertRaises(frappe.ValidationError) as caught:
			devices.start_session(DEVICE)
		self.assertIn("whatsapp-web-host", str(caught.exception))


def _tracked_browsers() -> list[str]:
	"""The browsers the host's process registry tracks, read from its file (never rewritten here)."""
	return json.loads((state_dir() / "processes.json").read_text())["tags"]


def _wait_for_device(
	done: Callable[[frappe._dict], bool], timeout: float = STATE_TIMEOUT, device: str = DEVICE
) -> frappe._dict:
	fields = [
		"web_state",
		"web_state_reason",
		"web_qr_image",
		"web_state_history",
		"web_profile_path",
		"status",
	]
	row = frappe._dict()

	def check() -> bool:
		nonlocal row
		frappe.db.commit()  # end this transaction: the host's commits become visible
		row = frappe.db.get_value(DEVICE_DOCTYPE, device, fields, as_dict=True)
		return done(row)

	_wait_until(check, timeout, lambda: f"the device stayed {row.web_state}: {row.web_state_reason}")
	return row


def _delete(device: str) -> None:
	frappe.delete_doc(DEVICE_DOCTYPE, device, force=True, ignore_permissions=True)
	frappe.db.commit()


def _wait_until(check: Callable[[], bool], timeout: float, problem: str | Callable[[], str]) -> None:
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if check():
			return
		time.sleep(0.2)
	raise AssertionError(problem() if callable(problem) else problem)
