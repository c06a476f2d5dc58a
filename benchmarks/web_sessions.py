"""WhatsApp Web sessions: warm vs cold QR, paced sends, and memory around 50 sessions.

	.venv/bin/python benchmarks/web_sessions.py [--rounds 6] [--sends 20] [--gap 1.0] [--jitter 0.5]
		[--sessions 50] [--pool 4]

Everything is real: headless Chromium through the system chromedriver, the fake WhatsApp Web
page on 127.0.0.1, the session supervisor and driver pool the host uses.

1. QR-ready time (start -> SCAN_QR_CODE with a rendered PNG), alternating each round: cold
   (a device whose browser is not running: the pool launches one) and warm (a device stopped
   a moment ago: its browser waits in the pool). Prints the medians and their ratio.
2. Sends per minute through one linked device at the configured pacing (`--gap` minimum gap,
   `--jitter` random extra, scaled down from the 8 s + 4 s defaults so the run stays short):
   the rate measured where WhatsApp sees it (arrival times at the fake page's server), the
   ceiling 60/gap it must never exceed, the bound 60/(gap+jitter/2) with average jitter (the
   gap counts from the end of a send, so the rate sits a little below it), and the smallest gap
   seen between two arrivals.
3. Memory and processes before, during and after `--sessions` sessions run through a pool of
   `--pool` browsers (batches of `--pool` devices started at once, each shown a QR, then logged
   out): the count of browser processes we own and their PSS, and this process's RSS.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.session_host.host import build_supervisor
from whatsapp_integration.session_host.pacing import MemoryDailyCounter
from whatsapp_integration.session_host.processes import ProcessRegistry
from whatsapp_integration.session_host.supervisor import SessionSupervisor
from whatsapp_integration.testing.fake_whatsapp_web import FakeWhatsAppWeb

S = SessionState


class _Quiet:
	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		return


def supervisor_for(
	web: FakeWhatsAppWeb, state_dir: Path, **overrides: Any
) -> tuple[SessionSupervisor, ProcessRegistry]:
	values: dict[str, Any] = {"web_base_url": web.url, "element_timeout": 10.0, "page_load_timeout": 30.0}
	values.update(overrides)
	return build_supervisor(WhatsAppConfig(**values), state_dir, _Quiet(), MemoryDailyCounter())


def qr_ready(supervisor: SessionSupervisor, device: str) -> float:
	started = time.perf_counter()
	supervisor.start(device)
	shown = supervisor.wait_for(device, {S.SCAN_QR_CODE, S.FAILED}, 60)
	if shown.state is not S.SCAN_QR_CODE or not shown.qr_png:
		raise RuntimeError(f"{device}: {shown.state.value} {shown.reason}")
	return time.perf_counter() - started


def warm_vs_cold(web: FakeWhatsAppWeb, rounds: int) -> None:
	with tempfile.TemporaryDirectory() as state_dir:
		supervisor, _ = supervisor_for(web, Path(state_dir), driver_pool_size=2)
		try:
			qr_ready(supervisor, "warm")
			supervisor.stop("warm")
			cold, warm = [], []
			for number in range(rounds):
				cold.append(qr_ready(supervisor, f"cold-{number}"))
				supervisor.logout(f"cold-{number}")
				warm.append(qr_ready(supervisor, "warm"))
				supervisor.stop("warm")
		finally:
			supervisor.shutdown()
	cold_median, warm_median = statistics.median(cold), statistics.median(warm)
	print(
		f"QR ready, cold start : median {cold_median * 1000:7.0f} ms  (min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f})"
	)
	print(
		f"QR ready, warm pooled: median {warm_median * 1000:7.0f} ms  (min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f})"
	)
	print(f"warm is {cold_median / warm_median:.1f}x faster (target >= 3x), {rounds} alternating rounds")


def paced_sends(web: FakeWhatsAppWeb, sends: int, gap: float, jitter: float) -> None:
	with tempfile.TemporaryDirectory() as state_dir:
		supervisor, _ = supervisor_for(
			web, Path(state_dir), web_min_send_gap_seconds=gap, web_send_jitter_seconds=jitter
		)
		try:
			supervisor.start("pacing")
			web.scan(supervisor.wait_for("pacing", {S.SCAN_QR_CODE}, 60).qr_ref or "")
			supervisor.wait_for("pacing", {S.WORKING}, 30)
			first = len(web.messages)
			for number in range(sends):
				supervisor.send_text("pacing", "+14155550123", f"paced {number}", max_wait=gap + jitter + 1)
		finally:
			supervisor.shutdown()
	starts = [message["at"] for message in web.messages[first:]]
	intervals = [b - a for a, b in itertools.pairwise(starts)]
	rate = 60 * len(intervals) / (starts[-1] - starts[0])
	print(f"paced sends: {sends} sends, gap {gap:g} s + jitter up to {jitter:g} s")
	print(
		f"  measured {rate:.1f} sends/min; ceiling 60/gap = {60 / gap:.1f}; mean-jitter bound 60/(gap+jitter/2) = {60 / (gap + jitter / 2):.1f}"
	)
	print(f"  smallest interval between two sends {min(intervals):.3f} s (must be >= {gap:g} s)")


def footprint(registry: ProcessRegistry) -> tuple[int, float]:
	"""(processes we own, their PSS in MiB)."""
	pids = registry.live_processes()
	return len(pids), sum(_pss_kib(pid) for pid in pids) / 1024


def own_rss_mib() -> float:
	for line in Path("/proc/self/status").read_text().splitlines():
		if line.startswith("VmRSS:"):
			return int(line.split()[1]) / 1024
	return 0.0


def _pss_kib(pid: int) -> int:
	try:
		for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
			if line.startswith("Pss:"):
				return int(line.split()[1])
	except OSError:
		return 0
	return 0


def many_sessions(web: FakeWhatsAppWeb, sessions: int, pool: int) -> None:
	with tempfile.TemporaryDirectory() as state_dir:
		supervisor, registry = supervisor_for(web, Path(state_dir), driver_pool_size=pool)
		report("before", registry)
		peak = (0, 0.0)
		started = time.perf_counter()
		for first in range(0, sessions, pool):
			devices = [f"session-{number}" for number in range(first, min(first + pool, sessions))]
			for device in devices:
				supervisor.start(device)
			for device in devices:
				supervisor.wait_for(device, {S.SCAN_QR_CODE, S.FAILED}, 60)
			peak = max(peak, footprint(registry))
			for device in devices:
				supervisor.logout(device)
		elapsed = time.perf_counter() - started
		print(
			f"during {sessions} sessions ({elapsed:.0f} s, pool of {pool}): peak {peak[0]} processes, {peak[1]:.0f} MiB PSS"
		)
		supervisor.shutdown()
		report("after", registry)


def report(moment: str, registry: ProcessRegistry) -> None:
	count, pss = footprint(registry)
	print(
		f"{moment:6}: {count} browser processes of ours, {pss:.0f} MiB PSS; benchmark process RSS {own_rss_mib():.0f} MiB"
	)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--rounds", type=int, default=6)
	parser.add_argument("--sends", type=int, default=20)
	parser.add_argument("--gap", type=float, default=1.0)
	parser.add_argument("--jitter", type=float, default=0.5)
	parser.add_argument("--sessions", type=int, default=50)
	parser.add_argument("--pool", type=int, default=4)
	arguments = parser.parse_args()
	with FakeWhatsAppWeb(rotate_seconds=60.0) as web:
		warm_vs_cold(web, arguments.rounds)
		paced_sends(web, arguments.sends, arguments.gap, arguments.jitter)
		many_sessions(web, arguments.sessions, arguments.pool)


if __name__ == "__main__":
	main()
