"""`bench --site S whatsapp link --device D` against a running session host and the fake WhatsApp
Web page: the command draws the QR the page shows in the terminal, draws it again when WhatsApp
rotates it, and ends with exit 0 once the code is scanned and the device is WORKING.

Needs Chromium and chromedriver (scripts/test.sh installs them).
Run: CI=1 bench --site d1.localhost run-tests --module whatsapp_integration.tests.test_cli_link
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from whatsapp_integration.session_host.qr import QrCapture, render_qr
from whatsapp_integration.session_host.qr_terminal import png_modules, terminal_blocks
from whatsapp_integration.site.web import host_client
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb
from whatsapp_integration.testing.processes import wait_until
from whatsapp_integration.tests.utils import RUN_ID, configure_settings, ensure_device

DEVICE = f"_Test CLI Link {RUN_ID}"
TIMEOUT = 180.0  # a browser starting on a busy 2-core machine can take long
ROTATE_SECONDS = 6.0


def bench_command(*arguments: str) -> list[str]:
	return [
		sys.executable,
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"--site",
		frappe.local.site,
		*arguments,
	]


class TestLinkCommand(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.web = FakeWhatsAppWeb(rotate_seconds=ROTATE_SECONDS).start()
		configure_settings(web_base_url=cls.web.url, element_timeout=10, page_load_timeout=30)
		ensure_device(DEVICE, mode="Web", phone_number="+919876500078", is_default=0)
		frappe.db.set_value("WhatsApp Device", DEVICE, "web_state", "STOPPED")
		frappe.db.commit()
		cls.sites = Path(get_bench_path()) / "sites"
		cls.host = subprocess.Popen(bench_command("whatsapp-web-host"), cwd=cls.sites)
		wait_until(lambda: host_client().is_running(), TIMEOUT, "the session host to start")

	@classmethod
	def tearDownClass(cls) -> None:
		cls.host.send_signal(signal.SIGTERM)
		cls.host.wait(TIMEOUT)
		cls.web.stop()
		frappe.delete_doc("WhatsApp Device", DEVICE, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_link_draws_each_code_and_ends_when_working(self) -> None:
		command = bench_command("whatsapp", "link", "--device", DEVICE, "--timeout", str(TIMEOUT))
		link = subprocess.Popen(
			command, cwd=self.sites, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
		)
		try:
			wait_until(lambda: len(self.web.pending_refs()) >= 1, TIMEOUT, "the page's first code")
			first = self.web.pending_refs()[-1]
			wait_until(lambda: self.web.pending_refs()[-1] != first, TIMEOUT, "WhatsApp to rotate the code")
			second = self.web.pending_refs()[-1]
			time.sleep(3)  # the host stores the new code, the command polls every second
			self.assertTrue(self.web.scan(second))
			out, err = link.communicate(timeout=TIMEOUT)
		finally:
			if link.poll() is None:
				link.kill()
		self.assertEqual(link.returncode, 0, err)
		self.assertIn(f"{DEVICE} is WORKING.", out)
		for ref in (first, second):
			self.assertIn(terminal_blocks(png_modules(render_qr(QrCapture(ref=ref)))), out)
