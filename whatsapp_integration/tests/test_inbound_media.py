"""Inbound media end to end on a site: a signed image webhook POSTed to `bench serve` ends, through
the inbox drain and the download job of an RQ worker, as a private File attached to its Message
Log row (media_status Downloaded); a type off the allowlist ends Refused with its reason. The
fake Graph API runs as its own process (a free port, or `WHATSAPP_MEDIA_TEST_GRAPH_PORT`), the server
on another (`WHATSAPP_MEDIA_TEST_PORT`).

Run: CI=1 bench --site a4.localhost run-tests --module whatsapp_integration.tests.test_inbound_media
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import frappe
import requests
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_bench_path, now_datetime

from whatsapp_integration.core.webhook import sign
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.tasks import process_pending_webhook_events, retry_inbound_media
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.processes import free_port, start_process, stop_process, wait_until
from whatsapp_integration.tests.utils import configure_settings
from whatsapp_integration.tests.webhook_utils import (
	APP_SECRET,
	configure_webhook,
	messages_change,
	unique_number,
)

PORT = int(os.environ.get("WHATSAPP_MEDIA_TEST_PORT") or free_port())
GRAPH_PORT = int(os.environ.get("WHATSAPP_MEDIA_TEST_GRAPH_PORT") or free_port())
BASE = f"http://127.0.0.1:{PORT}"
GRAPH = f"http://127.0.0.1:{GRAPH_PORT}"
TOKEN = "bench-media-token"
DEADLINE = 600  # conditions are polled; this only bounds a real hang on a busy machine
PNG = b"\x89PNG\r\n\x1a\n" + frappe.generate_hash(length=64).encode() * 64


def start(command: tuple[str, ...], log: str) -> object:
	return start_process(
		(sys.executable, *command), f"inbound-media-{log}.log", cwd=Path(get_bench_path()) / "sites"
	)


def up(url: str) -> bool:
	try:
		return requests.get(url, timeout=2).status_code < 500
	except requests.RequestException:
		return False


def script_media(media_id: str, content: bytes, mime_type: str, expired_urls: int = 0) -> None:
	body = {
		"content_base64": base64.b64encode(content).decode(),
		"mime_type": mime_type,
		"expired_urls": expired_urls,
	}
	headers = {"Authorization": f"Bearer {TOKEN}"}
	requests.post(
		f"{GRAPH}/_fake_media/{media_id}", json=body, headers=headers, timeout=10
	).raise_for_status()


def post_media_message(kind: str, media_id: str, mime_type: str) -> str:
	wamid = f"wamid.{frappe.generate_hash(length=16)}"
	message = payloads.message(
		wamid,
		kind,
		{kind: {"id": media_id, "mime_type": mime_type, "caption": "<b>see</b>"}},
		wa_id=unique_number(),
	)
	raw = payloads.encode(payloads.envelope([messages_change([message])]))
	headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)}
	answer = requests.post(
		f"{BASE}/api/method/whatsapp_integration.api.webhook.receive", data=raw, headers=headers, timeout=30
	)
	assert answer.status_code == 200, answer.text
	return wamid


def settles(wamid: str, condition: Callable[[frappe._dict], bool], what: str) -> None:
	"""Wait until the row of `wamid` meets `condition`. The worker's queue is shared by every site
	of the bench and may hold a long backlog; every 15 s the test also runs what the scheduler runs
	each minute (rows no queued job finished), so a busy queue delays the outcome, not the test's."""
	next_tick = time.monotonic() + 15

	def met() -> bool:
		nonlocal next_tick
		if time.monotonic() >= next_tick:
			process_pending_webhook_events()
			retry_inbound_media()
			next_tick = time.monotonic() + 15
		return condition(row(wamid))

	wait_until(met, DEADLINE, f"{wamid} {what}")


def row(wamid: str) -> frappe._dict:
	frappe.db.rollback()  # a fresh snapshot: the server and the worker commit in other connections
	return frappe.db.get_value(MESSAGE_LOG, {"wamid": wamid}, ["*"], as_dict=True) or frappe._dict()


class TestInboundMedia(FrappeTestCase):
	processes: tuple = ()

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		for port in (PORT, GRAPH_PORT):  # a server left on the port would answer with its old code
			assert not up(f"http://127.0.0.1:{port}/"), f"port {port} is taken; stop what runs there"
		configure_webhook()
		configure_settings(graph_api_base_url=GRAPH, access_token=TOKEN, inbound_media_max_mb=2)
		graph = ("-m", "whatsapp_integration.testing.fake_graph", "--port", str(GRAPH_PORT))
		frappe_cli = ("-m", "frappe.utils.bench_helper", "frappe", "--site", frappe.local.site)
		cls.processes = (
			start((*graph, "--access-token", TOKEN), "graph"),
			start((*frappe_cli, "serve", "--port", str(PORT), "--noreload"), "serve"),
			start((*frappe_cli, "worker", "--queue", "short,default"), "worker"),
		)
		try:
			wait_until(lambda: up(f"{GRAPH}/_fake/requests"), DEADLINE, f"the fake Graph API on {GRAPH_PORT}")
			wait_until(lambda: up(f"{BASE}/api/method/ping"), DEADLINE, f"bench serve on port {PORT}")
		except AssertionError:
			cls.tearDownClass()
			raise

	@classmethod
	def tearDownClass(cls) -> None:
		for process in cls.processes:
			stop_process(process)
		cls.processes = ()
		super().tearDownClass()

	def test_an_inbound_image_becomes_a_private_file_on_its_log(self) -> None:
		media_id = frappe.generate_hash(length=12)
		script_media(media_id, PNG, "image/png")
		wamid = post_media_message("image", media_id, "image/png")
		settles(wamid, lambda log: log.media_status == "Downloaded", "downloaded")
		log = row(wamid)
		self.assertEqual(
			(log.media_id, log.media_caption, log.media_size), (media_id, "<b>see</b>", len(PNG))
		)
		self.assertFalse(log.media_error)
		self.assertTrue(log.media_file.startswith("/private/files/"), log.media_file)
		file = frappe.get_doc("File", {"file_url": log.media_file, "attached_to_name": log.name})
		self.assertEqual((file.is_private, file.attached_to_doctype), (1, MESSAGE_LOG))
		self.assertEqual(hashlib.sha256(file.get_content()).hexdigest(), hashlib.sha256(PNG).hexdigest())
		requests_made = requests.get(f"{GRAPH}/_fake/requests", timeout=10).json()
		mine = [
			r
			for r in requests_made
			if r["path"].endswith(media_id) or r["path"].startswith("/_media_download/")
		]
		self.assertTrue(any(r["path"].startswith("/_media_download/") for r in mine))
		self.assertTrue(all(r["headers"]["Authorization"] == f"Bearer {TOKEN}" for r in mine))

	def test_a_type_off_the_allowlist_is_refused_with_its_reason(self) -> None:
		media_id = frappe.generate_hash(length=12)
		script_media(media_id, b"MZ\x90\x00 not a document", "application/x-msdownload")
		wamid = post_media_message("document", media_id, "application/x-msdownload")
		settles(wamid, lambda log: log.media_status == "Refused", "refused")
		log = row(wamid)
		self.assertIn("application/x-msdownload", log.media_error)
		self.assertFalse(log.media_file)
		self.assertFalse(
			frappe.db.exists("File", {"attached_to_doctype": MESSAGE_LOG, "attached_to_name": log.name})
		)

	def test_a_failed_download_is_retried_by_the_scheduler_task(self) -> None:
		media_id = frappe.generate_hash(length=12)
		script_media(media_id, PNG, "image/png", expired_urls=2)  # the URL expires twice in a row
		wamid = post_media_message("image", media_id, "image/png")
		settles(wamid, lambda log: log.media_attempts == 1, "first attempt")
		first = row(wamid)
		self.assertEqual(first.media_status, "Pending")
		self.assertIn("tried again automatically", first.media_error)
		self.assertGreater(first.media_next_attempt_at, now_datetime())
		frappe.db.set_value(
			MESSAGE_LOG, first.name, "media_next_attempt_at", add_to_date(now_datetime(), seconds=-1)
		)
		frappe.db.commit()  # the retry is due now; Meta's URL works again
		retry_inbound_media()
		log = row(wamid)
		self.assertEqual((log.media_status, log.media_attempts, log.media_error), ("Downloaded", 2, None))
		self.assertTrue(log.media_file.startswith("/private/files/"))
