"""Send pipeline throughput: MessageService vs the raw HTTP ceiling, side by side in one run.

	.venv/bin/python benchmarks/send_pipeline.py [--n 5000] [--rounds 5] [--block 250]

The fake Graph API runs as a separate process (`python -m whatsapp_integration.testing.fake_graph
--no-bodies`). Each round sends N text messages through `MessageService` (validation, opt-out
and idempotency checks, per-user and per-device token buckets set high enough never to block,
the Cloud API sender, the in-memory Message Log) and the same N HTTP calls from a bare
`requests.Session` loop (the ceiling), alternating blocks of `--block` messages so that both
meet the same machine load. After a warm-up it prints, per side, the best and median msg/s over
the rounds, the ratio of the two, and the fake server's own capacity with two concurrent raw
clients in separate processes, to show that the server is not what limits either figure.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import requests

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.services.message_service import MessageService
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter
from whatsapp_integration.testing.memory_repository import MemoryRepository

TOKEN = "EAAG-benchmark-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"
RECIPIENTS = [f"+91987{n:07d}" for n in range(1000)]
TARGET_RATIO = 0.80
TARGET_RATE = 1000.0


def text_of(index: int) -> str:
	return f"Your order SO-{index:06d} has shipped and arrives tomorrow. Thank you for shopping with us!"


class RawClient:
	"""The ceiling: the POST the Cloud API sender makes, from a bare session, reading the id."""

	def __init__(self, base_url: str) -> None:
		self.session = requests.Session()
		# The ceiling skips per-request environment lookups, as the app's GraphClient does.
		self.session.trust_env = False
		self.url = f"{base_url}/{VERSION}/{PHONE_NUMBER_ID}/messages"
		self.headers = {"Authorization": f"Bearer {TOKEN}"}

	def send(self, index: int) -> None:
		payload = {
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": RECIPIENTS[index % len(RECIPIENTS)].lstrip("+"),
			"type": "text",
			"text": {"body": text_of(index), "preview_url": False},
		}
		response = self.session.post(self.url, json=payload, headers=self.headers, timeout=15)
		if response.status_code != 200 or not response.json()["messages"][0]["id"]:
			raise RuntimeError(f"raw send failed: HTTP {response.status_code} {response.text[:200]}")


class PipelineClient:
	"""The whole send path with the in-memory repository; rate limits run but never block."""

	def __init__(self, base_url: str) -> None:
		config = WhatsAppConfig(
			graph_api_base_url=base_url,
			graph_api_version=VERSION,
			access_token=TOKEN,
			send_rate_per_second=1e9,
			send_burst=10**9,
			user_send_limit_per_minute=10**9,
		)
		device = DeviceProfile("Benchmark", phone_number_id=PHONE_NUMBER_ID, phone_number="+15550100001")
		# Every recipient wrote just now: their 24 h window is open, so the text goes out.
		repository = MemoryRepository([device], everyone_wrote_at=datetime.now)
		self.service = MessageService(repository, config, SenderFactory(), MemoryRateLimiter())

	def send(self, index: int) -> None:
		message = OutboundMessage(
			to=RECIPIENTS[index % len(RECIPIENTS)],
			text=text_of(index),
			idempotency_key=f"bench-{index}",
			requested_by="bench@example.com",
		)
		if self.service.send(message).status != MessageStatus.SENT:
			raise RuntimeError("a pipeline send did not end Sent")


@dataclass
class Figures:
	raw: list[float] = field(default_factory=list)
	pipeline: list[float] = field(default_factory=list)

	def ratios(self) -> list[float]:
		return [pipeline / raw for raw, pipeline in zip(self.raw, self.pipeline, strict=True)]


@contextmanager
def fake_graph_process(port: int) -> Iterator[str]:
	"""The fake Graph API in its own process; yields its base URL."""
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


def reset(base_url: str) -> None:
	requests.post(f"{base_url}/_fake/reset", timeout=10).raise_for_status()


def check_received(base_url: str, expected: int) -> None:
	received = len(requests.get(f"{base_url}/_fake/requests", timeout=30).json())
	if received != expected:
		raise RuntimeError(f"the fake Graph API received {received} requests, expected {expected}")


def run_round(base_url: str, count: int, offset: int, block: int) -> tuple[float, float]:
	"""Send `count` messages each way in alternating blocks; returns (raw, pipeline) msg/s."""
	reset(base_url)
	raw, pipeline = RawClient(base_url), PipelineClient(base_url)
	elapsed = {raw: 0.0, pipeline: 0.0}
	for number, first in enumerate(range(offset, offset + count, block)):
		indices = range(first, min(first + block, offset + count))
		for client in (raw, pipeline) if number % 2 == 0 else (pipeline, raw):
			start = time.perf_counter()
			for index in indices:
				client.send(index)
			elapsed[client] += time.perf_counter() - start
	check_received(base_url, 2 * count)
	return count / elapsed[raw], count / elapsed[pipeline]


def raw_span(base_url: str, count: int, offset: int) -> tuple[float, float]:
	"""One raw client's (start, end) wall-clock times for `count` sends (run in a child process)."""
	client = RawClient(base_url)
	start = time.time()
	for index in range(offset, offset + count):
		client.send(index)
	return start, time.time()


def server_capacity(base_url: str, count: int, clients: int = 2) -> float:
	"""Messages per second the fake server answers to `clients` raw loops in separate processes."""
	reset(base_url)
	with multiprocessing.get_context("spawn").Pool(clients) as pool:
		spans = pool.starmap(raw_span, [(base_url, count, n * count) for n in range(clients)])
	check_received(base_url, clients * count)
	return clients * count / (max(end for _, end in spans) - min(start for start, _ in spans))


def measure(base_url: str, count: int, rounds: int, block: int, warmup: int) -> Figures:
	run_round(base_url, warmup, 0, block)
	figures = Figures()
	for number in range(rounds):
		raw, pipeline = run_round(base_url, count, (number + 1) * count, block)
		figures.raw.append(raw)
		figures.pipeline.append(pipeline)
	return figures


def report(count: int, figures: Figures, capacity: float) -> bool:
	raw, pipeline, ratios = figures.raw, figures.pipeline, figures.ratios()
	median_rate = statistics.median(pipeline)
	print(f"send pipeline: {count} text messages each way per round, {len(raw)} rounds, alternating blocks")
	print(
		f"  raw requests.Session loop : best {max(raw):6.0f} msg/s   median {statistics.median(raw):6.0f} msg/s"
	)
	print(f"  MessageService pipeline   : best {max(pipeline):6.0f} msg/s   median {median_rate:6.0f} msg/s")
	print(
		f"  pipeline / raw per round  : best {max(ratios):6.1%}         median {statistics.median(ratios):6.1%}"
	)
	print(
		f"  fake server, 2 raw clients: {capacity:6.0f} msg/s ({capacity / max(raw):.1f}x the best raw round)"
	)
	met = statistics.median(ratios) >= TARGET_RATIO and median_rate >= TARGET_RATE
	print(
		f"  targets (>= {TARGET_RATIO:.0%} of raw, >= {TARGET_RATE:.0f} msg/s; medians): {'met' if met else 'NOT met'}"
	)
	return met


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--n", type=int, default=5000, help="messages each way per round (default 5000)")
	parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
	parser.add_argument("--block", type=int, default=250, help="messages per alternating block (default 250)")
	parser.add_argument("--warmup", type=int, default=500, help="warm-up messages each way (default 500)")
	parser.add_argument(
		"--port", type=int, default=0, help="port of the fake Graph API (default: a free one)"
	)
	args = parser.parse_args()
	with fake_graph_process(args.port) as base_url:
		figures = measure(base_url, args.n, args.rounds, args.block, args.warmup)
		capacity = server_capacity(base_url, args.n)
	report(args.n, figures, capacity)


if __name__ == "__main__":
	main()
