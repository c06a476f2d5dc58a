"""Frappe processes for HTTP tests and benchmarks: start one in its own process group, stop it
by its pid, wait for a condition."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def start_process(command: Sequence[str], log: str, cwd: str | Path | None = None) -> subprocess.Popen:
	"""`command` in a new session (so `stop_process` ends it with its children), output in `log`."""
	with open(log, "w") as output:
		return subprocess.Popen(
			list(command), cwd=cwd, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
		)


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
	"""SIGTERM the process group started by `start_process`, SIGKILL it after `timeout`."""
	os.killpg(process.pid, signal.SIGTERM)
	try:
		process.wait(timeout=timeout)
	except subprocess.TimeoutExpired:
		os.killpg(process.pid, signal.SIGKILL)
		process.wait()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
	"""Poll `condition` every 0.25 s; AssertionError naming `what` after `timeout` seconds."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		if condition():
			return
		time.sleep(0.25)
	raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
