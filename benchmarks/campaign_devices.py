"""Multi-device campaign throughput: two devices vs one, side by side in one run, on the bench
against the fake Graph API.

	cd <bench>/sites && ../env/bin/python <app>/benchmarks/campaign_devices.py --site test.localhost

Every run goes through the real stack (routing, Frappe repositories, Redis token buckets and send
journal, Cloud API sender) with two dispatcher processes, each `site.campaigns.dispatch` as the
RQ job runs it and started again while its device has open rows, as the scheduler does (own
processes, not the bench's shared `long` queue, whose workers other sites' jobs keep busy).
Each run is a fresh campaign of N recipients (default 1,000) on its own numbers, sending an
approved template (the customers never wrote: their 24 h window is closed), routed
over its devices:
  - one device: the campaign's Devices list holds device A; both dispatchers send A's rows;
  - two devices: A and B; the recipients are spread by capacity, one dispatcher per device.
Both pairs run twice: paced at R msg/s per device (default 50, Settings' device rate: each device
has its own token bucket, so a second device adds its rate) and unpaced (100,000/s: what the
machine does). The rate is measured where the requests arrive (first to last request at the
fake API, so process start-up is not counted). Each run checks that the fake API got exactly N
message requests, each number once, and prints the requests per phone number id. Figures only,
no assertions.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

import frappe
import frappe.utils

sys.path.insert(0, str(Path(__file__).resolve().parent))
import campaign as single

from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.doctypes import DEVICE
from whatsapp_integration.site.settings import clear_config_cache
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.pacing import achieved_rate, record_arrivals
from whatsapp_integration.testing.processes import start_process, stop_process
from whatsapp_integration.tests.campaign_utils import approved_template

TOKEN = "benchmark-devices-token"
DEVICES = {"_Benchmark Devices A": "700800900201", "_Benchmark Devices B": "700800900202"}


def configure(graph_url: str, rate: float, batch_size: int) -> None:
	"""Settings at the fake API with device rate `rate`; two healthy devices without a limit."""
	single.configure_sending(graph_url, TOKEN, rate, batch_size, lease_seconds=10)
	for name, number_id in DEVICES.items():
		single.official_device(name, number_id)
		health = {"quality_rating": "GREEN", "messaging_limit_tier": "TIER_UNLIMITED", "number_status": ""}
		frappe.db.set_value(DEVICE, name, {"health_error": None, **health})
	frappe.db.commit()
	clear_config_cache()


def run(devices: list[str], count: int, start: int, args: argparse.Namespace) -> str:
	"""Create, fill and start a campaign over `devices`, send it with two dispatcher processes
	(one per device, or both on the one device) and wait until it is Completed."""
	doc = frappe.get_doc(
		{
			"doctype": single.CAMPAIGN,
			"campaign_name": f"Benchmark devices {len(devices)} x {count}",
			"devices": [{"device": device} for device in devices],
			"message_type": "template",
			"template": approved_template("benchmark_devices_offer", "Our spring offer is here."),
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	service = site_campaigns.campaign_service()
	service.add_recipients(doc.name, single.numbers(count, start))
	service.start(doc.name)
	frappe.db.commit()
	command = [args.python, str(Path(__file__).resolve()), "--site", args.site, "--dispatch"]
	targets = devices if len(devices) > 1 else devices * 2  # two dispatchers either way
	dispatchers: list = [None] * len(targets)
	started = [0.0] * len(targets)
	try:
		while single.status(doc.name) != "Completed":
			# As the scheduler does: while the device has open rows, a dispatcher that ended
			# (crashed, or nothing was due yet) gets a successor, which takes over expired leases.
			for index, process in enumerate(dispatchers):
				ended = process is None or process.poll() is not None
				if ended and time.monotonic() - started[index] > 2 and open_rows(doc.name, targets[index]):
					log = f"benchmark-devices-{index}.log"
					dispatchers[index] = start_process([*command, targets[index]], log)
					started[index] = time.monotonic()
			time.sleep(0.5)
	finally:
		for process in dispatchers:
			if process and process.poll() is None:
				stop_process(process)
	return doc.name


def open_rows(campaign: str, device: str) -> int:
	"""The campaign's recipients routed to `device` and not settled (Pending or Sending)."""
	return frappe.db.count(
		single.RECIPIENT, {"campaign": campaign, "device": device, "state": ("in", ["Pending", "Sending"])}
	)


def measure(
	graph: FakeGraphApi, devices: list[str], count: int, start: int, args: argparse.Namespace
) -> float:
	"""One run: prints and returns its msg/s after checking what the fake API received."""
	graph.reset()
	arrivals = record_arrivals(graph)
	name = run(devices, count, start, args)
	sent = [request for request in arrivals if request.path.endswith("/messages")]
	per_number = Counter(request.body["to"] for request in sent)
	per_device = Counter(request.path.split("/")[-2] for request in sent)
	exact = "exactly N" if len(sent) == count and len(per_number) == count else "NOT N"
	rate = achieved_rate(arrivals.times)
	print(
		f"  {len(devices)} device(s): {count:,} recipients, {rate:,.0f} msg/s; "
		f"{len(sent):,} requests ({exact}), max per number {max(per_number.values())}, "
		f"per phone number id {dict(per_device)}",
		flush=True,
	)
	single.cleanup(name)
	return rate


def compare(graph: FakeGraphApi, args: argparse.Namespace, rate: float, start: int) -> None:
	configure(graph.url, rate, args.batch)
	label = "unpaced" if rate >= 100_000 else f"paced at {rate:g} msg/s per device"
	print(f"{label}:", flush=True)
	names = list(DEVICES)
	one = measure(graph, names[:1], args.n, start, args)
	two = measure(graph, names, args.n, start + args.n, args)
	print(f"  two devices / one device: {two / one:.2f}x", flush=True)


def dispatch(device: str) -> None:
	"""One dispatcher (as the RQ job runs it): sends the device's due rows, then returns."""
	report = site_campaigns.dispatch(device, keep_alive=False)
	print(report, flush=True)


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--n", type=int, default=1_000)
	parser.add_argument(
		"--rate", type=float, default=50.0, help="R: each device's send rate in the paced runs"
	)
	parser.add_argument("--batch", type=int, default=100, help="campaign batch size")
	parser.add_argument("--dispatch", metavar="DEVICE", help=argparse.SUPPRESS)
	args = parser.parse_args()
	frappe.init(site=args.site)
	frappe.connect()
	try:
		if args.dispatch:
			dispatch(args.dispatch)
			return
		args.python = str(Path(frappe.utils.get_bench_path()) / "env" / "bin" / "python")
		print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, 2 dispatchers, batch size {args.batch}")
		# Numbers of their own (apart from benchmarks/campaign.py's and from earlier runs, whose
		# customers would stay on the device they got then)
		base = 3_000_000 + random.randrange(400) * 10_000
		with FakeGraphApi(access_token=TOKEN) as graph:
			compare(graph, args, args.rate, base)
			compare(graph, args, 100_000, base + 2 * args.n)
	finally:
		frappe.destroy()


if __name__ == "__main__":
	sys.exit(main())
