"""The webhook over real HTTP: `bench serve` and an RQ worker started by this test on a free port
(`WHATSAPP_WEBHOOK_TEST_PORT`), serving this test's site.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_webhook_http
"""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import frappe
import requests
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from whatsapp_integration.api.webhook import LOGGER
from whatsapp_integration.core.webhook import sign
from whatsapp_integration.operations.webhook_rejections import rejection_counts
from whatsapp_integration.site.doctypes import SETTINGS
from whatsapp_integration.site.settings import clear_config_cache
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.processes import free_port, start_process, stop_process, wait_until
from whatsapp_integration.tests.utils import configure_settings
from whatsapp_integration.tests.webhook_utils import (
	APP_SECRET,
	VERIFY_TOKEN,
	configure_webhook,
	create_outbound,
	fresh_fixture,
	messages_change,
)

PORT = int(os.environ.get("WHATSAPP_WEBHOOK_TEST_PORT") or free_port())
BASE = f"http://127.0.0.1:{PORT}"
API_PATH = "/api/method/whatsapp_integration.api.webhook.receive"
READABLE_PATH = "/whatsapp/webhook"
LOG = "WhatsApp Message Log"
INBOX = "WhatsApp Webhook Event"
# Conditions are polled; the deadline only bounds a real hang (a busy 2-core machine needed > 60 s)
DEADLINE = 600


def start(*command: str, log: str) -> subprocess.Popen:
	"""A `frappe` CLI command of this bench, run from its sites folder."""
	sites = Path(get_bench_path()) / "sites"
	command = (sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *command)
	return start_process(command, f"webhook-test-{log}.log", cwd=sites)


def server_up() -> bool:
	try:
		return requests.get(f"{BASE}/api/method/ping", timeout=2).status_code == 200
	except requests.RequestException:
		return False


def post(raw: bytes, signature: str | None, path: str = API_PATH, **headers: str) -> requests.Response:
	sent = {"Content-Type": "application/json", **headers}
	if signature is not None:
		sent["X-Hub-Signature-256"] = signature
	return requests.post(BASE + path, data=raw, headers=sent, timeout=30)


def count(doctype: str, filters: dict) -> int:
	frappe.db.rollback()  # a fresh snapshot: the server and the worker commit in other connections
	return frappe.db.count(doctype, filters)


def status_of(wamid: str) -> str:
	frappe.db.rollback()  # a fresh snapshot, as in count()
	return (frappe.db.get_value(LOG, {"wamid": wamid}, "status") or "").lower()


class TestWebhookOverHttp(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_webhook()
		cls.server = start(
			"--site", frappe.local.site, "serve", "--port", str(PORT), "--noreload", log="serve"
		)
		cls.worker = start("worker", "--queue", "short,default", log="worker")
		wait_until(server_up, DEADLINE, f"bench serve on port {PORT}")

	@classmethod
	def tearDownClass(cls) -> None:
		stop_process(cls.server)
		stop_process(cls.worker)
		super().tearDownClass()

	def test_handshake(self) -> None:
		for path in (API_PATH, READABLE_PATH):
			params = {
				"hub.mode": "subscribe",
				"hub.verify_token": VERIFY_TOKEN,
				"hub.challenge": "1158201444",
			}
			right = requests.get(BASE + path, params=params, timeout=10)
			self.assertEqual((right.status_code, right.text), (200, "1158201444"), path)
			self.assertTrue(right.headers["Content-Type"].startswith("text/plain"))
			wrong = requests.get(BASE + path, params={**params, "hub.verify_token": "guess"}, timeout=10)
			self.assertEqual((wrong.status_code, wrong.text), (403, ""), path)
			unsubscribe = requests.get(BASE + path, params={**params, "hub.mode": "unsubscribe"}, timeout=10)
			self.assertEqual(unsubscribe.status_code, 403)

	def test_unsigned_and_wrongly_signed_posts_store_nothing(self) -> None:
		raw, _, run = fresh_fixture("mixed_batch")
		sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha1).hexdigest()
		cases = {
			"missing": (None, 401),
			"empty": ("", 401),
			"wrong secret": (sign(raw, "not-the-secret"), 403),
			"sha1": (sha1, 403),
			"other body": (sign(raw + b" ", APP_SECRET), 403),
		}
		inbox_before, counts_before = count(INBOX, {}), rejection_counts()
		for label, (signature, status) in cases.items():
			answer = post(raw, signature)
			self.assertEqual(answer.status_code, status, label)
			self.assertNotIn("Traceback", answer.text, label)
			self.assertNotIn(APP_SECRET, answer.text, label)
		self.assertEqual(count(INBOX, {}), inbox_before)
		self.assertEqual(count(LOG, {"wamid": ("like", run + "%")}), 0)
		counts = rejection_counts()
		for reason, added in (("missing_signature", 2), ("bad_signature", 3)):
			self.assertEqual(counts.get(reason, 0) - counts_before.get(reason, 0), added, reason)
		log = (Path(get_bench_path()) / "logs" / f"{LOGGER}.log").read_text()
		self.assertIn("reason=bad_signature status=403", log)
		self.assertNotIn(APP_SECRET, log)
		self.assertNotIn(run, log)  # no body

	def test_oversized_and_invalid_bodies(self) -> None:
		raw = payloads.encode({"object": "whatsapp_business_account", "entry": [], "padding": "x" * 5000})
		configure_settings(webhook_max_body_bytes=4096)
		try:
			self.assertEqual(post(raw, sign(raw, APP_SECRET)).status_code, 413)
		finally:
			configure_settings(webhook_max_body_bytes=1_048_576)
		inbox_before = count(INBOX, {})
		for body in (b"not json", b"[1, 2]", b"\xff\xfe{}"):
			answer = post(body, sign(body, APP_SECRET), **{"Content-Type": "text/plain"})
			self.assertEqual((answer.status_code, answer.text), (400, ""), body)
		self.assertEqual(count(INBOX, {}), inbox_before)

	def test_a_failure_is_a_bare_500_without_traceback(self) -> None:
		raw, _, run = fresh_fixture("mixed_batch")
		frappe.db.set_single_value(SETTINGS, "webhook_max_body_bytes", 10)  # below the minimum: config error
		frappe.db.commit()
		clear_config_cache()
		try:
			answer = post(raw, sign(raw, APP_SECRET))
		finally:
			configure_settings(webhook_max_body_bytes=1_048_576)
		self.assertEqual((answer.status_code, answer.text), (500, ""))
		self.assertEqual(count(LOG, {"wamid": ("like", run + "%")}), 0)
		self.assertTrue(frappe.db.exists("Error Log", {"method": "WhatsApp webhook could not be stored"}))

	def test_fixtures_end_to_end_and_redelivery(self) -> None:
		names = ("every_message_type", "mixed_batch", "keywords", "bsuid_only_sender", "failed_opted_out")
		runs = []
		for index, name in enumerate(names):
			raw, expect, run = fresh_fixture(name)
			for wamid in expect["statuses"]:
				create_outbound(wamid)
			path = READABLE_PATH if index % 2 else API_PATH
			answer = post(raw, sign(raw, APP_SECRET), path=path)
			self.assertEqual((answer.status_code, answer.text), (200, "OK"), name)
			runs.append((raw, expect, run))
		for _raw, expect, run in runs:
			wanted = len(expect["inbound"])
			filters = {"wamid": ("like", run + "%"), "direction": "Inbound"}
			wait_until(lambda: count(LOG, filters) == wanted, DEADLINE, f"{wanted} inbound rows of {run}")
			for wamid, status in expect["statuses"].items():
				wait_until(lambda: status_of(wamid) == status, DEADLINE, wamid)
		before = self._events_and_rows([run for _, _, run in runs])
		inbox_before = count(INBOX, {"state": "Processed"})
		for raw, _, _ in runs:
			self.assertEqual(post(raw, sign(raw, APP_SECRET)).status_code, 200)
		wait_until(
			lambda: count(INBOX, {"state": "Processed"}) >= inbox_before + len(runs), DEADLINE, "redeliveries"
		)
		self.assertEqual(self._events_and_rows([run for _, _, run in runs]), before)

	def test_burst_of_400_new_senders_all_recorded(self) -> None:
		run = f"wamid.burst{frappe.generate_hash(length=8)}."
		seed = int(frappe.generate_hash(length=8), 16) % 10**6

		def deliver(index: int) -> int:
			message = payloads.text_message(
				f"{run}{index}", f"hello {index}", wa_id=f"4915{seed:06d}{index:03d}"
			)
			raw = payloads.encode(payloads.envelope([messages_change([message])]))
			return post(raw, sign(raw, APP_SECRET)).status_code

		with ThreadPoolExecutor(max_workers=16) as pool:
			statuses = list(pool.map(deliver, range(400)))
		self.assertEqual(statuses, [200] * 400)
		filters = {"wamid": ("like", run + "%")}
		wait_until(lambda: count(LOG, filters) == 400, 3 * DEADLINE, "400 inbound rows")

	def _events_and_rows(self, runs: list[str]) -> tuple[int, int]:
		frappe.db.rollback()
		rows = [
			name for run in runs for name in frappe.get_all(LOG, {"wamid": ("like", run + "%")}, pluck="name")
		]
		events = frappe.db.count("WhatsApp Message Status Event", {"parent": ("in", rows)}) if rows else 0
		return len(rows), events
