"""Browser processes we own, tracked by an ownership tag in their environment.

Every chromedriver starts with `WHATSAPP_WEB_OWNER=<registry marker>:<driver tag>` in its
environment, and every Chromium process it spawns (zygotes, renderers, the crash handler that
leaves the process group) inherits it. The registry writes its marker and the tags of the
browsers alive to a JSON file; after a crash the next host, reading the same file, kills what
carries its marker. Processes are found by that proof of ownership and killed by pid: a
reused pid never carries our marker, and nothing is ever selected by its name.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from pathlib import Path

MARKER_VARIABLE = "WHATSAPP_WEB_OWNER"


class ProcessRegistry:
	def __init__(self, state_file: Path, marker: str | None = None) -> None:
		self.state_file = state_file
		self.marker = marker or self._read().get("marker") or uuid.uuid4().hex
		self._lock = threading.Lock()
		self._tags: set[str] = set(self._read().get("tags", []))
		self._save()

	def new_tag(self) -> str:
		"""Register a browser about to start; returns the tag its environment must carry."""
		tag = uuid.uuid4().hex[:12]
		with self._lock:
			self._tags.add(tag)
			self._save()
		return tag

	def environment(self, tag: str) -> dict[str, str]:
		return {**os.environ, MARKER_VARIABLE: f"{self.marker}:{tag}"}

	def kill(self, tag: str) -> int:
		"""Kill every process of the browser `tag` and forget it; returns how many were alive."""
		killed = kill_owned(f"{self.marker}:{tag}")
		with self._lock:
			self._tags.discard(tag)
			self._save()
		return killed

	def kill_orphans(self) -> int:
		"""Kill every process carrying this registry's marker (after a crash: all of them)."""
		killed = kill_owned(f"{self.marker}:")
		with self._lock:
			self._tags.clear()
			self._save()
		return killed

	def tracked_tags(self) -> set[str]:
		with self._lock:
			return set(self._tags)

	def live_processes(self) -> list[int]:
		"""Pids alive on this machine that carry this registry's marker."""
		return owned_pids(f"{self.marker}:")

	def _read(self) -> dict:
		try:
			return json.loads(self.state_file.read_text())
		except (OSError, ValueError):
			return {}

	def _save(self) -> None:
		self.state_file.parent.mkdir(parents=True, exist_ok=True)
		temporary = self.state_file.with_suffix(".tmp")
		temporary.write_text(json.dumps({"marker": self.marker, "tags": sorted(self._tags)}))
		temporary.replace(self.state_file)


def owned_pids(owner_prefix: str) -> list[int]:
	"""Live pids whose `WHATSAPP_WEB_OWNER` starts with `owner_prefix`."""
	wanted = f"{MARKER_VARIABLE}={owner_prefix}".encode()
	pids = []
	for entry in os.listdir("/proc"):
		if entry.isdigit() and _environment_has(int(entry), wanted) and is_alive(int(entry)):
			pids.append(int(entry))
	return pids


def kill_owned(owner_prefix: str, settle: float = 2.0) -> int:
	"""SIGKILL the processes `owned_pids` finds; wait up to `settle` s for them to go."""
	pids = owned_pids(owner_prefix)
	for pid in pids:
		try:
			os.kill(pid, signal.SIGKILL)
		except ProcessLookupError:
			continue
	deadline = time.monotonic() + settle
	while time.monotonic() < deadline and any(is_alive(pid) for pid in pids):
		time.sleep(0.02)
	return len(pids)


def is_alive(pid: int) -> bool:
	"""True while `pid` runs (a zombie counts as gone)."""
	try:
		state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
	except (OSError, IndexError):
		return False
	return state not in ("Z", "X")


def _environment_has(pid: int, entry_prefix: bytes) -> bool:
	try:
		environment = Path(f"/proc/{pid}/environ").read_bytes()
	except OSError:
		return False
	return any(entry.startswith(entry_prefix) for entry in environment.split(b"\0"))
