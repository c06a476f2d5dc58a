"""Browser processes we own: tracked by process group, proven ours by an environment marker.

Each chromedriver starts in its own session, so it and every Chromium process it spawns share
one process group whose id is chromedriver's pid. The group ids go to a JSON file; after a
crash the next host kills the groups listed there. A process is killed only when it is in a
tracked group AND its environment carries this registry's marker, so a reused pid is never
hit, and nothing is ever selected by its name.
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
		self.marker = marker or self._load_marker() or uuid.uuid4().hex
		self._lock = threading.Lock()
		self._groups: set[int] = set(self._load_groups())
		self._save()

	@property
	def environment(self) -> dict[str, str]:
		"""What a launched chromedriver's environment must contain."""
		return {**os.environ, MARKER_VARIABLE: self.marker}

	def track(self, group: int) -> None:
		with self._lock:
			self._groups.add(group)
			self._save()

	def kill_group(self, group: int) -> int:
		"""Kill every process of `group` that carries our marker; forget the group. Returns the count."""
		killed = kill_marked(group_members(group), self.marker)
		with self._lock:
			self._groups.discard(group)
			self._save()
		return killed

	def kill_orphans(self) -> int:
		"""Kill what is left of every tracked group (after a crash); returns how many processes."""
		with self._lock:
			groups = sorted(self._groups)
		return sum(self.kill_group(group) for group in groups)

	def tracked_groups(self) -> set[int]:
		with self._lock:
			return set(self._groups)

	def live_processes(self) -> list[int]:
		"""Pids alive anywhere on this machine that carry our marker."""
		return [pid for pid in all_pids() if has_marker(pid, self.marker)]

	def _load_marker(self) -> str | None:
		return self._read().get("marker")

	def _load_groups(self) -> list[int]:
		return [int(group) for group in self._read().get("groups", [])]

	def _read(self) -> dict:
		try:
			return json.loads(self.state_file.read_text())
		except (OSError, ValueError):
			return {}

	def _save(self) -> None:
		self.state_file.parent.mkdir(parents=True, exist_ok=True)
		temporary = self.state_file.with_suffix(".tmp")
		temporary.write_text(json.dumps({"marker": self.marker, "groups": sorted(self._groups)}))
		temporary.replace(self.state_file)


def all_pids() -> list[int]:
	return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def group_members(group: int) -> list[int]:
	members = []
	for pid in all_pids():
		try:
			if os.getpgid(pid) == group:
				members.append(pid)
		except ProcessLookupError:
			continue
	return members


def has_marker(pid: int, marker: str) -> bool:
	try:
		environment = Path(f"/proc/{pid}/environ").read_bytes()
	except OSError:
		return False
	return f"{MARKER_VARIABLE}={marker}".encode() in environment.split(b"\0")


def kill_marked(pids: list[int], marker: str, settle: float = 2.0) -> int:
	"""SIGKILL those of `pids` that carry `marker`; wait up to `settle` s for them to go."""
	mine = [pid for pid in pids if has_marker(pid, marker)]
	for pid in mine:
		try:
			os.kill(pid, signal.SIGKILL)
		except ProcessLookupError:
			continue
	deadline = time.monotonic() + settle
	while time.monotonic() < deadline and any(is_alive(pid) for pid in mine):
		time.sleep(0.02)
	return len(mine)


def is_alive(pid: int) -> bool:
	"""True while `pid` runs (a zombie counts as gone)."""
	try:
		state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
	except (OSError, IndexError):
		return False
	return state not in ("Z", "X")
