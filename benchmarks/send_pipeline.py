"""Send pipeline throughput: MessageService vs the raw HTTP ceiling, side by side in one run.

	.venv/bin/python benchmarks/send_pipeline.py [--n 5000] [--rounds 5]

The fake Graph API runs as a separate process (`python -m whatsapp_integration.testing.fake_graph
--no-bodies`). Each round sends N text messages twice, alternating: once through `MessageService`
(validation, opt-out and idempotency checks, per-user and per-device token buckets set high
enough never to block, the Cloud API sender, the in-memory Message Log) and once as the same
HTTP calls from a bare `requests.Session` loop. After a warm-up, it prints the best and median
msg/s of both and their ratio, and the fake server's own capacity with two concurrent raw
clients, to show the server is not what limits either figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.core.ratelimit import MemoryRateLimiter
from whatsapp_integration.core.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.core.status import SENT
from whatsapp_integration.services.memory_repository import MemoryRepository
from whatsapp_integration.services.message_service import MessageService

TOKEN = "EAAG-benchmark-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
RECIPIENTS = [f"+91987{n:07d}" for n in range(1000)]
TARGET_RATIO = 0.80
TARGET_RATE = 1000.0


@dataclass
class Figures:
	rates: list[float]

	@property
	def best(self) -> float:
		return max(self.rates)

	@property
	def median(self) -> float:
		return statistics.median(self.rates)


def text_of(index: int) -> str:
	return f"Your order SO-{index:06d} has shipped and arrives tomorrow. Thank you for shopping with us!"


@contextmanager
def fake_graph_process(port: int) -> Any:
	"""The fake Graph API in its own process, as bench tests and production-like runs use it."""
	command = [sys.executable, "-m", "whatsapp_integration.testing.fake_graph", "--port", str(port)]
	command += ["--no-bodies", "--access-token", TOKEN]
	server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
	try:
		banner = server.stdout.readline().strip() if server.stdout else ""
		if not banner.startswith("fake Graph API on "):
			raise RuntimeError(f"the fake Graph API did not start: {banner!r}")
		yield banner.removeprefix("fake Graph API on ")
	finally:
		server.terminate()
		server.wait(timeout=10)


def raw_loop(base_url: str, count: int, offset: int = 0) -> tuple[float, float]:
	"""The ceiling: the same POSTs from a bare session, reading each message id. Returns (start, end)."""
	url = f"{base_url}/{VERSION}/{PHONE_NUMBER_ID}/messages"
	headers = {"Authorization": f"Bearer {TOKEN}"}
	session = requests.Session()
	start = time.perf_counter()
	for index in range(offset, offset + count):
		payload = {
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": RECIPIENTS[index % len(RECIPIENTS)].lstrip("+"),
			"type": "text",
			"text": {"body": text_of(index), "preview_url": False},
		}
		response = session.post(url, json=payload, headers=headers, timeout=15)
		if response.status_code != 200 or not response.json()["messages"][0]["id"]:
			raise RuntimeError(f"raw send failed: HTTP {response.status_code} {response.text[:200]}")
	end = time.perf_counter()
	session.close()
	return start, end


def build_service(base_url: str) -> MessageService:
	config = WhatsAppConfig(
		graph_api_base_url=base_url,
		graph_api_version=VERSION,
		access_token=TOKEN,
		send_rate_per_second=1e9,
		send_burst=10**9,
		user_send_limit_per_minute=10**9,
	)
	device = DeviceProfile("Benchmark", phone_number_id=PHONE_NUMBER_ID, phone_number="+15550100001")
	return MessageService(MemoryRepository([device]), config, SenderFactory(), MemoryRateLimiter())


def pipeline_loop(base_url: str, count: int, offset: int = 0) -> tuple[float, float]:
	service = build_service(base_url)
	messages = [
		OutboundMessage(
			to=RECIPIENTS[index % len(RECIPIENTS)],
			text=text_of(index),
			idempotency_key=f"bench-{offset}-{index}",
			requested_by="bench@example.com",
		)
		for index in range(offset, offset + count)
	]
	start = time.perf_counter()
	for message in messages:
		if service.send(message).status != SENT:
			raise RuntimeError("a pipeline send did not end Sent")
	return start, time.perf_counter()


def timed(
	loop: Callable[[str, int, int], tuple[float, float]], base_url: str, count: int, offset: int
) -> float:
	reset(base_url)
	start, end = loop(base_url, count, offset)
	received = len(requests.get(f"{base_url}/_fake/requests", timeout=30).json())
	if received != count:
		raise RuntimeError(f"the fake Graph API received {received} requests, expected {count}")
	return count / (end - start)


def reset(base_url: str) -> None:
	requests.post(f"{base_url}/_fake/reset", timeout=10).raise_for_status()


def server_capacity(base_url: str, count: int, clients: int = 2) -> float:
	"""Messages per second the fake server answers to `clients` raw loops in separate processes."""
	reset(base_url)
	with multiprocessing.get_context("spawn").Pool(clients) as pool:
		spans = pool.starmap(raw_loop, [(base_url, count, n * count) for n in range(clients)])
	start, end = min(span[0] for span in spans), max(span[1] for span in spans)
	return clients * count / (end - start)


def compare(base_url: str, count: int, rounds: int, warmup: int) -> tuple[Figures, Figures]:
	timed(raw_loop, base_url, warmup, 0)
	timed(pipeline_loop, base_url, warmup, 0)
	raw, pipeline = Figures([]), Figures([])
	for round_number in range(rounds):
		offset = (round_number + 1) * count
		first, second = (raw, pipeline) if round_number % 2 == 0 else (pipeline, raw)
		for figures in (first, second):
			loop = raw_loop if figures is raw else pipeline_loop
			figures.rates.append(timed(loop, base_url, count, offset))
	return raw, pipeline


def report(count: int, raw: Figures, pipeline: Figures, capacity: float) -> bool:
	ratio_best, ratio_median = pipeline.best / raw.best, pipeline.median / raw.median
	print(f"send pipeline benchmark: {count} text messages per run, {len(raw.rates)} rounds (alternating)")
	print(f"  raw requests.Session loop : best {raw.best:8.0f} msg/s   median {raw.median:8.0f} msg/s")
	print(
		f"  MessageService pipeline   : best {pipeline.best:8.0f} msg/s   median {pipeline.median:8.0f} msg/s"
	)
	print(f"  pipeline / raw            : best {ratio_best:8.1%}         median {ratio_median:8.1%}")
	print(f"  fake server, 2 raw clients: {capacity:8.0f} msg/s ({capacity / raw.best:.1f}x one raw client)")
	met = ratio_median >= TARGET_RATIO and pipeline.median >= TARGET_RATE
	verdict = "met" if met else "NOT met"
	print(f"  targets (>= {TARGET_RATIO:.0%} of raw, >= {TARGET_RATE:.0f} msg/s, medians): {verdict}")
	return met


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--n", type=int, default=5000, help="messages per run (default 5000)")
	parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
	parser.add_argument("--warmup", type=int, default=500, help="warm-up messages (default 500)")
	parser.add_argument(
		"--port", type=int, default=0, help="port of the fake Graph API (default: a free one)"
	)
	args = parser.parse_args()
	with fake_graph_process(args.port) as base_url:
		raw, pipeline = compare(base_url, args.n, args.rounds, args.warmup)
		capacity = server_capacity(base_url, args.n)
	report(args.n, raw, pipeline, capacity)


if __name__ == "__main__":
	main()
