"""The `bench --site S whatsapp ...` commands, run as the bench runs them (a subprocess of this
bench's Python), against a fake Graph API process that also answers debug_token and
subscribed_apps: doctor (--json, exit code), send through the outbox, status, link's refusals.

Run: CI=1 bench --site d1.localhost run-tests --module whatsapp_integration.tests.test_cli
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import frappe
import requests
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.testing.processes import free_port, start_process, stop_process, wait_until
from whatsapp_integration.tests.campaign_utils import numbers
from whatsapp_integration.tests.utils import (
	TEST_TOKEN,
	configure_settings,
	customer_wrote,
	ensure_device,
	unique_digits,
)

PORT = int(os.environ.get("WHATSAPP_CLI_TEST_PORT") or free_port())
RUN = frappe.generate_hash(length=6)
OFFICIAL = f"_Test CLI Official {RUN}"
SANDBOX = f"_Test CLI Sandbox {RUN}"
WEB = f"_Test CLI Web {RUN}"
WABA = unique_digits(15)


def bench(*arguments: str) -> subprocess.CompletedProcess:
	"""`bench --site <this site> whatsapp <arguments>` as the bench runs it."""
	command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site]
	sites = Path(get_bench_path()) / "sites"
	return subprocess.run(
		[*command, "whatsapp", *arguments], cwd=sites, capture_output=True, text=True, timeout=300
	)


class TestWhatsAppCommands(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		sites = Path(get_bench_path()) / "sites"
		module = ["-m", "whatsapp_integration.testing.fake_graph", "--port", str(PORT)]
		command = [sys.executable, *module, "--access-token", TEST_TOKEN]
		cls.graph = start_process(command, f"cli-graph-{PORT}.log", cwd=sites)
		cls.url = f"http://127.0.0.1:{PORT}"
		wait_until(cls._graph_up, 20, "the fake Graph API")
		configure_settings(
			graph_api_base_url=cls.url,
			access_token=TEST_TOKEN,
			app_secret=f"cli-{frappe.generate_hash(length=12)}",
			webhook_verify_token="cli-verify",
			restrict_sends_to_allowlist=0,
		)
		ensure_device(OFFICIAL, phone_number_id=unique_digits(15), waba_id=WABA, is_default=0)
		ensure_device(SANDBOX, mode=DeviceMode.SANDBOX, is_default=0)
		ensure_device(WEB, mode=DeviceMode.WEB, is_default=0, enabled=0)

	@classmethod
	def _graph_up(cls) -> bool:
		try:
			return requests.get(f"{cls.url}/_fake/requests", timeout=1).ok
		except requests.RequestException:
			return False

	@classmethod
	def tearDownClass(cls) -> None:
		stop_process(cls.graph)
		configure_settings(restrict_sends_to_allowlist=0, send_allowlist="")
		for name in (OFFICIAL, SANDBOX, WEB):
			frappe.db.set_value("WhatsApp Device", name, "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def script(self, kind: str, body: dict[str, Any]) -> None:
		"""Script the fake's doctor endpoints (the fake asks for the token like Meta does)."""
		headers = {"Authorization": f"Bearer {TEST_TOKEN}"}
		requests.post(
			f"{self.url}/_fake_doctor/{kind}", json=body, headers=headers, timeout=10
		).raise_for_status()

	def doctor(self) -> tuple[int, dict[str, dict[str, Any]]]:
		result = bench("doctor", "--json")
		answer = json.loads(result.stdout.strip().splitlines()[-1])
		self.assertEqual(answer["exit_code"], result.returncode, result.stderr)
		return result.returncode, {finding["check"]: finding for finding in answer["findings"]}

	def test_doctor_reports_each_check_and_fails_when_the_app_is_not_subscribed(self) -> None:
		self.script("subscribed", {"waba_id": WABA, "apps": []})
		code, findings = self.doctor()
		self.assertEqual(code, 1)
		self.assertEqual(findings[f"token:{OFFICIAL}"]["status"], "ok")
		self.assertEqual(findings[f"number:{OFFICIAL}"]["status"], "ok")
		subscribed = findings[f"subscribed:{OFFICIAL}"]
		self.assertEqual(subscribed["status"], "failure")
		self.assertIn(f"{WABA}/subscribed_apps", subscribed["fix"])
		self.assertEqual(findings[f"sandbox:{SANDBOX}"]["status"], "ok")
		for name in ("settings", "app_secret", "verify_token", "scheduler", "workers", "webhook_inbox"):
			self.assertIn(name, findings)
		self.assertNotIn(TEST_TOKEN, json.dumps(findings))

	def test_doctor_names_an_expired_token(self) -> None:
		self.script("token", {"token": TEST_TOKEN, "is_valid": False})
		try:
			code, findings = self.doctor()
		finally:
			self.script("token", {"token": TEST_TOKEN})
		self.assertEqual(code, 1)
		self.assertEqual(findings[f"token:{OFFICIAL}"]["status"], "failure")
		self.assertIn("system-user token", findings[f"token:{OFFICIAL}"]["fix"])

	def test_doctor_prints_a_table_with_fixes(self) -> None:
		result = bench("doctor")
		self.assertIn(f"subscribed:{OFFICIAL}", result.stdout)
		self.assertIn("fix:", result.stdout)

	def test_send_goes_through_the_outbox(self) -> None:
		number = numbers(1, start=73000)[0].number
		customer_wrote(number, SANDBOX)
		frappe.db.commit()
		result = bench("send", "--to", number, "--text", "Hello from the CLI", "--device", SANDBOX)
		self.assertEqual(result.returncode, 0, result.stderr)
		name, status, wamid = result.stdout.split()
		self.assertEqual((status, wamid[:14]), ("Sent", "wamid.SANDBOX."))
		frappe.db.rollback()
		row = frappe.db.get_value("WhatsApp Message Log", name, ["to_number", "text", "wamid"], as_dict=True)
		self.assertEqual((row.to_number, row.text, row.wamid), (number, "Hello from the CLI", wamid))
		configure_settings(restrict_sends_to_allowlist=1, send_allowlist="+1555*")
		try:
			refused = bench("send", "--to", number, "--text", "again", "--device", SANDBOX)
		finally:
			configure_settings(restrict_sends_to_allowlist=0, send_allowlist="")
		self.assertEqual(refused.returncode, 1)
		self.assertIn("not on the send allowlist", refused.stderr)
		self.assertEqual(bench("send", "--to", number, "--device", SANDBOX).returncode, 2)

	def test_status_shows_devices_queues_and_the_last_hour(self) -> None:
		result = bench("status", "--json")
		self.assertEqual(result.returncode, 0, result.stderr)
		figures = json.loads(result.stdout.strip().splitlines()[-1])
		self.assertIn(SANDBOX, [device["name"] for device in figures["devices"]])
		self.assertIn("outbox_queued", figures["queues"])
		self.assertIn("session_host_heartbeat_age", figures)
		self.assertIn("webhook_inbox_queued", figures["queues"])
		self.assertIsInstance(figures["last_hour"], dict)
		self.assertIn("Devices", bench("status").stdout)

	def test_link_refuses_what_it_cannot_link(self) -> None:
		result = bench("link", "--device", SANDBOX, "--timeout", "5")
		self.assertEqual(result.returncode, 1)
		self.assertIn(f"Cannot link {SANDBOX}", result.stderr)
