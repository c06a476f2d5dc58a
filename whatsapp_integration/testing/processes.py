"""Frappe processes for HTTP tests and benchmarks: start one in its own process group, stop it
by its pid, wait for a condition. Their output goes to `log_dir()`: `$WHATSAPP_LOG_DIR` when
set, else a new temporary directory of this run."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

LOG_DIR_ENV = "WHATSAPP_LOG_DIR"


@functools.cache
def log_dir() -> Path:
	"""`$WHATSAPP_LOG_DIR` (created when missing), else a temporary directory made for this run."""
	configured = os.environ.get(LOG_DIR_ENV)
	if not configured:
		return Path(tempfile.mkdtemp(prefix="whatsapp-logs-"))
	path = Path(configured)
	path.mkdir(parents=True, exist_ok=True)
	return path


def free_port() -> int:
	"""A TCP port on 127.0.0.1 that nothing listens on now, chosen by the kernel: test runs of
	other sites on the same machine start the same servers, so a fixed port may answer with theirs."""
	with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


def start_process(command: Sequence[str], log: str, cwd: str | Path | None = None) -> subprocess.Popen:
	"""`command` in a new session (so `stop_process` ends it with its children), output in the
	file named `log` in `log_dir()`."""
	with open(log_dir() / log, "w") as output:
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
