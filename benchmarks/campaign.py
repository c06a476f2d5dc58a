"""Campaign throughput and pacing on the bench, against the fake Graph API on 127.0.0.1.

	cd <bench>/sites && ../env/bin/python <app>/benchmarks/campaign.py --site test.localhost

Three runs, each a fresh campaign with its own numbers, sent by real RQ workers (`frappe
worker --queue long`) through the real stack (Frappe repository, Redis token buckets and send
journal, Cloud API sender):
  1. N recipients (default 10,000), one worker, pacing off (device rate 100,000/s);
  2. the same with two workers (two dispatcher jobs share the device's rows by leases);
  3. pacing at R msg/s (default 50) with `--pacing-workers` workers (default 2) sharing the
     device's Redis bucket.
For 1 and 2 it prints the time to enqueue (recipient rows written, planned, dispatcher
queued), the time to finish and msg/s, and checks the fake API got exactly N message
requests, each number once. For 3 it prints the achieved rate and the busiest one-second
window, measured where the requests arrive. The most used peer app sends about 3 msg/s per
worker on this machine (one RQ job per recipient). Figures only, no assertions.

`--load` runs a CPU-burning process next to the runs (a busy machine), e.g.

	../env/bin/python <app>/benchmarks/campaign.py --pacing-only --rate 20 --load
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections import Counter
from pathlib import Path

import frappe
import frappe.utils
import requests

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.doctypes import DEVICE as DEVICE_DOCTYPE
from whatsapp_integration.site.doctypes import SETTINGS
from whatsapp_integration.site.settings import clear_config_cache
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.pacing import achieved_rate, busiest_second, record_arrivals
from whatsapp_integration.testing.processes import start_process, stop_process, wait_until
from whatsapp_integration.tests.campaign_utils import approved_template

TOKEN = "benchmark-campaign-token"
DEVICE = "_Benchmark Campaign Device"
PHONE_NUMBER_ID = "700800900100"
CAMPAIGN = "WhatsApp Campaign"
RECIPIENT = "WhatsApp Campaign Recipient"


def configure(graph_url: str, rate: float, batch_size: int) -> None:
	configure_sending(graph_url, TOKEN, rate, batch_size, lease_seconds=60)
	official_device(DEVICE, PHONE_NUMBER_ID)
	frappe.db.commit()
	clear_config_cache()


def configure_sending(graph_url: str, token: str, rate: float, batch_size: int, lease_seconds: int) -> None:
	"""Settings at the fake API, each device sending at `rate` msg/s in campaign batches of
	`batch_size` (saved, not committed)."""
	settings = frappe.get_single(SETTINGS)
	settings.update(
		{
			"graph_api_base_url": graph_url,
			"access_token": token,
			"send_rate_per_second": rate,
			"send_burst": max(1, int(rate)),
			"pair_rate_seconds": 6,
			"campaign_batch_size": batch_size,
			"campaign_lease_seconds": lease_seconds,
		}
	)
	settings.save(ignore_permissions=True)


def official_device(name: str, phone_number_id: str) -> None:
	"""An enabled Official device without a daily cap (made once; not committed)."""
	if not frappe.db.exists(DEVICE_DOCTYPE, name):
		device = frappe.new_doc(DEVICE_DOCTYPE)
		device.device_name = name
		device.update({"mode": "Official", "enabled": 1, "phone_number_id": phone_number_id})
		device.insert(ignore_permissions=True)
	frappe.db.set_value(DEVICE_DOCTYPE, name, "daily_cap", 0)


def numbers(count: int, start: int) -> list[RecipientInput]:
	return [RecipientInput(f"+1415{2000000 + start + i:07d}", f"Customer {start + i}") for i in range(count)]


def foreign_workers() -> int:
	"""RQ workers already listening on the long queue (before this run starts its own): they take
	dispatcher jobs too, so a run's worker count is not what it says (e.g. workers left behind by
	an interrupted run: end them first)."""
	from frappe.utils.background_jobs import get_queue, get_workers

	return len(get_workers(get_queue("long")))


def warn_foreign_workers() -> None:
	if count := foreign_workers():
		print(
			f"WARNING: {count} other RQ worker(s) listen on the long queue and take dispatcher jobs "
			"too: the per-worker figures below do not measure 1 or 2 workers."
		)


def status(name: str) -> str:
	frappe.db.rollback()
	return frappe.db.get_value(CAMPAIGN, name, "status")


def run_campaign(
	count: int, start: int, dispatchers: int, throughput_cap: float = 0
) -> tuple[str, float, float]:
	"""Create, fill and start a campaign; returns (name, seconds to enqueue, seconds to finish)."""
	began = time.perf_counter()
	doc = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"campaign_name": f"Benchmark {count} x {dispatchers}",
			"device": DEVICE,
			# The customers never wrote (their 24 h window is closed): campaigns to them send templates.
			"message_type": "template",
			"template": approved_template("benchmark_order_shipped", "Your order has shipped."),
			"throughput_cap": throughput_cap,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	service = site_campaigns.campaign_service()
	service.add_recipients(doc.name, numbers(count, start))
	service.start(doc.name)
	site_campaigns.ensure_dispatcher(DEVICE)
	for _ in range(dispatchers - 1):
		frappe.enqueue(site_campaigns.DISPATCH_JOB, queue="long", device=DEVICE, keep_alive=False)
	frappe.db.commit()
	enqueued = time.perf_counter()
	wait_until(lambda: status(doc.name) == "Completed", 1800, f"{doc.name} to complete")
	return doc.name, enqueued - began, time.perf_counter() - enqueued


def throughput(args: argparse.Namespace, graph_url: str, workers: int, start: int) -> float:
	"""Send one campaign of `args.n` with `workers` dispatchers; print and return its msg/s."""
	requests.post(f"{graph_url}/_fake/reset", timeout=30)
	name, enqueue, finish = run_campaign(args.n, start, workers)
	sent = [
		r
		for r in requests.get(f"{graph_url}/_fake/requests", timeout=120).json()
		if r["path"].endswith("/messages")
	]
	per_number = Counter(r["body"]["to"] for r in sent)
	states = dict(
		frappe.db.sql(
			f"select state, count(*) from `tab{RECIPIENT}` where campaign = %s group by state", name
		)
	)
	print(
		f"{workers} worker(s): {args.n:,} recipients, enqueue {enqueue:.1f} s, finish {finish:.1f} s, "
		f"{args.n / finish:,.0f} msg/s; fake API got {len(sent):,} requests "
		f"({'exactly N' if len(sent) == args.n else 'NOT N'}), max per number {max(per_number.values())}; rows {states}"
	)
	cleanup(name)
	return args.n / finish


def pacing(args: argparse.Namespace, start: int) -> None:
	with FakeGraphApi(access_token=TOKEN, record_bodies=False) as graph:
		arrivals = record_arrivals(graph)
		configure(graph.url, args.rate, args.batch)
		count = int(args.rate * args.pacing_seconds)
		name, _, finish = run_campaign(count, start, args.pacing_workers, throughput_cap=args.rate)
	# Only this device's sends: on a shared site, other processes may follow the Settings here too.
	times = [
		at for at, request in zip(arrivals.times, arrivals, strict=True) if PHONE_NUMBER_ID in request.path
	]
	foreign = len(arrivals.times) - len(times)
	achieved = achieved_rate(times)
	print(
		f"pacing at R = {args.rate:g} msg/s, {args.pacing_workers} worker(s), {count} recipients: "
		f"achieved {achieved:.2f} msg/s "
		f"({achieved / args.rate - 1:+.1%} of R), busiest one-second window {busiest_second(times)} "
		f"(R = {args.rate:g}), finished in {finish:.1f} s; {bunched(times, args.rate)} arrivals came less than "
		f"a fifth of 1/R after the one before (bunched where they were measured); {foreign} requests of "
		"other devices ignored"
	)
	cleanup(name)


def bunched(times: list[float], rate: float) -> int:
	ordered = sorted(times)
	return sum(1 for before, after in itertools.pairwise(ordered) if after - before < 0.2 / rate)


def cleanup(name: str) -> None:
	frappe.db.delete(RECIPIENT, {"campaign": name})
	logs = frappe.get_all(
		"WhatsApp Message Log", filters={"idempotency_key": ("like", f"campaign:{name}:%")}, pluck="name"
	)
	for chunk in range(0, len(logs), 1000):
		part = logs[chunk : chunk + 1000]
		frappe.db.delete("WhatsApp Message Status Event", {"parent": ("in", part)})
		frappe.db.delete("WhatsApp Message Log", {"name": ("in", part)})
	frappe.delete_doc(CAMPAIGN, name, ignore_permissions=True, force=True)
	frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--n", type=int, default=10_000)
	parser.add_argument("--batch", type=int, default=100, help="campaign batch size")
	parser.add_argument("--rate", type=float, default=50.0, help="R of the pacing run")
	parser.add_argument("--pacing-seconds", type=float, default=20.0)
	parser.add_argument("--port", type=int, default=8772)
	parser.add_argument("--pacing-only", action="store_true", help="skip the two throughput runs")
	parser.add_argument("--pacing-workers", type=int, default=2, choices=(1, 2))
	parser.add_argument("--load", action="store_true", help="burn a CPU in another process meanwhile")
	args = parser.parse_args()
	frappe.init(site=args.site)
	frappe.connect()
	warn_foreign_workers()
	bench = Path(frappe.utils.get_bench_path())
	python = str(bench / "env" / "bin" / "python")
	graph_command = [python, "-m", "whatsapp_integration.testing.fake_graph", "--port", str(args.port)]
	graph = start_process([*graph_command, "--access-token", TOKEN], "benchmark-campaign-graph.log")
	worker_command = [python, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"]
	workers = [start_process(worker_command, f"benchmark-campaign-worker{i}.log") for i in range(2)]
	if args.pacing_only and args.pacing_workers == 1:
		stop_process(workers.pop())
	burn = [python, "-c", "while True: pass"]
	burner = [start_process(burn, "benchmark-load.log")] if args.load else []
	graph_url = f"http://127.0.0.1:{args.port}"
	print(
		f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, batch size {args.batch}, "
		f"CPU burner {'on' if burner else 'off'}"
	)
	try:
		wait_until(lambda: _up(graph_url), 30, "the fake Graph API")
		if not args.pacing_only:
			configure(graph_url, 100_000, args.batch)
			stop_process(workers.pop())
			throughput(args, graph_url, 1, start=0)
			workers.append(start_process(worker_command, "benchmark-campaign-worker1.log"))
			throughput(args, graph_url, 2, start=args.n)
		pacing(args, start=2 * args.n)
	finally:
		for process in [graph, *workers, *burner]:
			stop_process(process)
		frappe.destroy()


def _up(url: str) -> bool:
	try:
		return requests.get(f"{url}/_fake/requests", timeout=1).ok
	except requests.RequestException:
		return False


if __name__ == "__main__":
	sys.exit(main())
