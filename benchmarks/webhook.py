"""Webhook throughput and ack latency, side by side with Frappe's own `/api/method/ping`.

Serves the site as production does (gunicorn, 2 sync workers, `--preload`) and sends signed
POSTs, each a new message from a new sender, in two phases:
  1. ack only: no RQ worker runs, so the figures are the endpoint's own (verify, store in the
     inbox, queue a drain); then the workers start and the time until every acknowledged
     event is a Message Log row is measured;
  2. with the RQ worker(s) processing at the same time (they share the CPUs).
Each phase runs closed-loop rounds (`--clients` concurrent connections, as fast as possible)
alternating ping and webhook so both see the same machine load, then a fixed rate (`--rate`
req/s, open loop, as Meta sends). Lost = acknowledged but never stored. Figures only.

Run as the bench user from the sites folder:
  cd <bench>/sites && ../env/bin/python <app>/benchmarks/webhook.py --site test.localhost
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import frappe
import frappe.utils
import requests

from whatsapp_integration.core.webhook import sign
from whatsapp_integration.site.doctypes import SETTINGS
from whatsapp_integration.site.settings import clear_config_cache
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.processes import start_process, stop_process, wait_until

APP_SECRET = "benchmark-webhook-secret"
DEVICE = "_Benchmark Webhook Device"
PHONE_NUMBER_ID = "300400500600799"
WEBHOOK_PATH = "/api/method/whatsapp_integration.api.webhook.receive"
PING_PATH = "/api/method/ping"


@dataclass
class Run:
	label: str
	latencies: list[float] = field(default_factory=list)
	failures: int = 0
	elapsed: float = 0.0
	lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

	def add(self, other: Run) -> None:
		self.latencies += other.latencies
		self.failures += other.failures
		self.elapsed += other.elapsed

	def line(self) -> str:
		ordered = sorted(self.latencies) or [0.0]
		p50 = statistics.median(ordered) * 1000
		p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
		rate = len(self.latencies) / self.elapsed if self.elapsed else 0.0
		return (
			f"{self.label:<28} {len(self.latencies):>6} ok {self.failures:>4} failed "
			f"{rate:>8.1f} req/s   p50 {p50:>6.1f} ms   p99 {p99:>6.1f} ms"
		)


class Sender:
	"""Builds requests: ping, or a signed webhook with one new message from a new sender."""

	def __init__(self, base: str, site: str) -> None:
		self.base = base
		self.site = site
		self.run_id = uuid.uuid4().hex[:8]
		self.sent_wamids: list[str] = []
		self._lock = threading.Lock()
		self._bodies: deque[tuple[str, bytes, dict[str, str]]] = deque()
		self._local = threading.local()

	def session(self) -> requests.Session:
		if not hasattr(self._local, "session"):
			self._local.session = requests.Session()
			self._local.session.headers["X-Frappe-Site-Name"] = self.site
		return self._local.session

	def ping(self) -> bool:
		"""Frappe's ceiling: the cheapest guest method on the same server."""
		return self.session().get(self.base + PING_PATH, timeout=30).status_code == 200

	def prepare(self, count: int) -> None:
		"""Build and sign `count` bodies before any timing, so the client's CPU (same machine)
		is spent on sending, as for ping."""
		start = len(self._bodies) + len(self.sent_wamids)
		self._bodies.extend(self._body(index) for index in range(start, start + count))

	def _body(self, index: int) -> tuple[str, bytes, dict[str, str]]:
		wamid = f"wamid.bench{self.run_id}.{index}"
		sender_number = f"49{int(self.run_id, 16) % 10**4:04d}{index:07d}"
		message = payloads.text_message(wamid, f"benchmark {index}", wa_id=sender_number)
		change = payloads.messages_change([message], phone_number_id=PHONE_NUMBER_ID)
		raw = payloads.encode(payloads.envelope([change]))
		return wamid, raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)}

	def webhook(self) -> bool:
		with self._lock:
			wamid, raw, headers = self._bodies.popleft()
		answer = self.session().post(self.base + WEBHOOK_PATH, data=raw, headers=headers, timeout=30)
		if answer.status_code == 200:
			with self._lock:
				self.sent_wamids.append(wamid)
			return True
		return False


def timed(call: Callable[[], bool], run: Run) -> None:
	started = time.perf_counter()
	try:
		ok = call()
	except requests.RequestException:
		ok = False
	with run.lock:
		if ok:
			run.latencies.append(time.perf_counter() - started)
		else:
			run.failures += 1


def closed_loop(label: str, call: Callable[[], bool], clients: int, requests_total: int) -> Run:
	run = Run(label)
	started = time.perf_counter()
	with ThreadPoolExecutor(max_workers=clients) as pool:
		list(pool.map(lambda _: timed(call, run), range(requests_total)))
	run.elapsed = time.perf_counter() - started
	return run


def open_loop(label: str, call: Callable[[], bool], rate: float, seconds: float) -> Run:
	"""Requests start on a fixed schedule whatever the answers do (how Meta sends)."""
	run = Run(label)
	total = int(rate * seconds)
	started = time.perf_counter()
	with ThreadPoolExecutor(max_workers=64) as pool:
		for index in range(total):
			delay = started + index / rate - time.perf_counter()
			if delay > 0:
				time.sleep(delay)
			pool.submit(timed, call, run)
	run.elapsed = time.perf_counter() - started
	return run


def answers(url: str, site: str) -> bool:
	try:
		return requests.get(url, headers={"X-Frappe-Site-Name": site}, timeout=2).status_code == 200
	except requests.RequestException:
		return False


def configure(site: str) -> None:
	frappe.init(site=site)
	frappe.connect()
	settings = frappe.get_single(SETTINGS)
	settings.app_secret = APP_SECRET
	settings.save(ignore_permissions=True)
	if not frappe.db.exists("WhatsApp Device", DEVICE):
		device = frappe.new_doc("WhatsApp Device")
		device.update(
			{"device_name": DEVICE, "mode": "Official", "enabled": 1, "phone_number_id": PHONE_NUMBER_ID}
		)
		device.insert(ignore_permissions=True)
	frappe.db.commit()
	clear_config_cache()


def stored(run_id: str) -> int:
	frappe.db.rollback()
	return frappe.db.count("WhatsApp Message Log", {"wamid": ("like", f"wamid.bench{run_id}.%")})


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--port", type=int, default=8006)
	parser.add_argument("--clients", type=int, default=8, help="concurrent connections of the closed loop")
	parser.add_argument("--requests", type=int, default=600, help="requests per closed-loop round")
	parser.add_argument("--rounds", type=int, default=3, help="alternating ping/webhook rounds")
	parser.add_argument("--rate", type=float, default=100.0, help="req/s of the fixed-rate phase")
	parser.add_argument("--seconds", type=float, default=10.0, help="length of the fixed-rate phase")
	parser.add_argument("--workers", type=int, default=1, help="RQ workers processing the inbox")
	args = parser.parse_args()

	configure(args.site)
	bench = Path(frappe.utils.get_bench_path())
	python = str(bench / "env" / "bin" / "python")
	gunicorn = [str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{args.port}", "-w", "2"]
	gunicorn += ["-t", "120", "--preload", "frappe.app:application"]
	server = start_process(gunicorn, "benchmark-gunicorn.log")
	worker_command = [
		python,
		"-m",
		"frappe.utils.bench_helper",
		"frappe",
		"worker",
		"--queue",
		"short,default",
	]
	workers: list[subprocess.Popen] = []

	def start_workers() -> None:
		workers.extend(start_process(worker_command, f"benchmark-worker{i}.log") for i in range(args.workers))

	try:
		ping_url = f"http://127.0.0.1:{args.port}{PING_PATH}"
		wait_until(lambda: answers(ping_url, args.site), 60, ping_url)
		report(Sender(f"http://127.0.0.1:{args.port}", args.site), args, start_workers)
	finally:
		for process in [server, *workers]:
			stop_process(process)
		frappe.destroy()


def measure(sender: Sender, args: argparse.Namespace, title: str) -> None:
	"""Alternating closed-loop rounds, then the fixed rate, for ping and webhook."""
	sender.prepare(args.rounds * args.requests + int(args.rate * args.seconds))
	ping, hook = Run(f"ping, {args.clients} clients"), Run(f"webhook, {args.clients} clients")
	for _ in range(args.rounds):
		ping.add(closed_loop("ping", sender.ping, args.clients, args.requests))
		hook.add(closed_loop("webhook", sender.webhook, args.clients, args.requests))
	ping_rate = open_loop(f"ping at {args.rate:g}/s", sender.ping, args.rate, args.seconds)
	hook_rate = open_loop(f"webhook at {args.rate:g}/s", sender.webhook, args.rate, args.seconds)
	print(f"-- {title}")
	for run in (ping, hook, ping_rate, hook_rate):
		print(run.line())
	ratio = (len(hook.latencies) / hook.elapsed) / (len(ping.latencies) / ping.elapsed)
	print(f"webhook req/s as a share of ping's: {ratio:.0%}")


def wait_processed(sender: Sender, since: float) -> None:
	acked = len(sender.sent_wamids)
	while stored(sender.run_id) < acked and time.perf_counter() - since < 900:
		time.sleep(0.5)
	lost = acked - stored(sender.run_id)
	print(
		f"acknowledged events so far: {acked}; all processed {time.perf_counter() - since:.1f} s later; lost: {lost}"
	)


def report(sender: Sender, args: argparse.Namespace, start_workers: Callable[[], None]) -> None:
	print(
		f"gunicorn 2 sync workers, {args.workers} RQ worker(s), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
	)
	closed_loop("warm-up", sender.ping, args.clients, 100)
	measure(sender, args, "ack only (no RQ worker running: the inbox fills)")
	started = time.perf_counter()
	start_workers()
	wait_processed(sender, started)
	measure(sender, args, f"with {args.workers} RQ worker(s) processing at the same time")
	wait_processed(sender, time.perf_counter())


if __name__ == "__main__":
	sys.exit(main())
