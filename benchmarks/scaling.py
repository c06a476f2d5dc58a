"""How the app scales with workers on one machine, side by side in one run, and a sizing table.

	cd <bench>/sites && ../env/bin/python <app>/benchmarks/scaling.py --site test.localhost

1. Campaign throughput with 1, 2 and 4 RQ workers (`--workers`): one campaign of `--n`
   recipients each, sent through the real stack to the fake Graph API on 127.0.0.1, pacing off
   (as `benchmarks/campaign.py` does for 1 and 2).
2. Webhook acknowledgements with 2 and 4 gunicorn sync workers (`--web-workers`): closed-loop
   rounds of signed webhook POSTs alternating with Frappe's `/api/method/ping` on the same
   server (as `benchmarks/webhook.py` does), no RQ worker running (the inbox fills; processing
   is measured by webhook.py).
The sizing table divides each measured rate by its worker count. On a machine with C cores,
workers beyond C share them: the figures say how far one machine goes, not a cluster.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import campaign
import frappe
import frappe.utils
import webhook

from whatsapp_integration.testing.processes import start_process, stop_process, wait_until

SECONDS_PER_DAY = 86_400


def campaign_rates(args: argparse.Namespace, python: str) -> dict[int, float]:
	graph_url = f"http://127.0.0.1:{args.graph_port}"
	graph_command = [python, "-m", "whatsapp_integration.testing.fake_graph", "--port", str(args.graph_port)]
	graph = start_process([*graph_command, "--access-token", campaign.TOKEN], "benchmark-scaling-graph.log")
	worker_command = [python, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"]
	workers: list = []
	rates: dict[int, float] = {}
	campaign.warn_foreign_workers()
	try:
		wait_until(lambda: campaign._up(graph_url), 30, "the fake Graph API")
		campaign.configure(graph_url, 100_000, args.batch)
		for index, count in enumerate(args.workers):
			while len(workers) < count:
				workers.append(start_process(worker_command, f"benchmark-scaling-worker{len(workers)}.log"))
			rates[count] = campaign.throughput(args, graph_url, count, start=index * args.n)
	finally:
		for process in [graph, *workers]:
			stop_process(process)
	return rates


def webhook_rates(args: argparse.Namespace, bench: Path) -> dict[int, tuple[float, float]]:
	"""Web workers -> (webhook req/s, ping req/s), both closed loop on the same server."""
	webhook.configure(args.site)
	rates: dict[int, tuple[float, float]] = {}
	for count in args.web_workers:
		command = [str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{args.web_port}", "-w"]
		command += [str(count), "-t", "120", "--preload", "frappe.app:application"]
		server = start_process(command, f"benchmark-scaling-gunicorn{count}.log")
		try:
			url = f"http://127.0.0.1:{args.web_port}"
			wait_until(lambda: webhook.answers(url + webhook.PING_PATH, args.site), 60, "gunicorn")
			sender = webhook.Sender(url, args.site)
			sender.prepare(args.rounds * args.requests)
			webhook.closed_loop("warm-up", sender.ping, args.clients, 100)
			ping, hook = webhook.Run("ping"), webhook.Run("webhook")
			for _ in range(args.rounds):
				ping.add(webhook.closed_loop("ping", sender.ping, args.clients, args.requests))
				hook.add(webhook.closed_loop("webhook", sender.webhook, args.clients, args.requests))
			rates[count] = (_rate(hook), _rate(ping))
			print(f"{count} web workers: {hook.line()} | {ping.line()}")
		finally:
			stop_process(server)
	return rates


def _rate(run: webhook.Run) -> float:
	return len(run.latencies) / run.elapsed if run.elapsed else 0.0


def print_table(campaigns: dict[int, float], hooks: dict[int, tuple[float, float]]) -> None:
	print(f"\n-- on this machine ({os.cpu_count()} CPUs)")
	base = campaigns[min(campaigns)]
	print("| campaign workers | msg/s | vs 1 worker | messages per day per worker |")
	print("|---|---|---|---|")
	for count, rate in campaigns.items():
		print(f"| {count} | {rate:,.0f} | {rate / base:.2f}x | {rate * SECONDS_PER_DAY / count:,.0f} |")
	print("| web workers | webhook acks/s | ping/s | acks as share of ping | acks/s per web worker |")
	print("|---|---|---|---|---|")
	for count, (hook, ping) in hooks.items():
		print(f"| {count} | {hook:,.0f} | {ping:,.0f} | {hook / ping:.0%} | {hook / count:,.0f} |")


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--n", type=int, default=4_000, help="recipients per campaign run")
	parser.add_argument("--batch", type=int, default=100, help="campaign batch size")
	parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
	parser.add_argument("--web-workers", type=int, nargs="+", default=[2, 4])
	parser.add_argument("--clients", type=int, default=8, help="concurrent webhook connections")
	parser.add_argument("--requests", type=int, default=600, help="requests per closed-loop round")
	parser.add_argument("--rounds", type=int, default=3)
	parser.add_argument("--graph-port", type=int, default=8774)
	parser.add_argument("--web-port", type=int, default=8007)
	args = parser.parse_args()
	frappe.init(site=args.site)
	frappe.connect()
	bench = Path(frappe.utils.get_bench_path())
	print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
	try:
		campaigns = campaign_rates(args, str(bench / "env" / "bin" / "python"))
		hooks = webhook_rates(args, bench)
	finally:
		frappe.destroy()
	print_table(campaigns, hooks)


if __name__ == "__main__":
	sys.exit(main())
