"""The session host's record of the idempotency keys it clicked send for, so one key is never
sent twice: a file per key in the host's state directory (it outlives a host restart), kept a
day. A key is claimed (atomically) right before the click and gets the receipt once the
message shows its tick; a key claimed without a receipt is a send whose outcome is unknown."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from whatsapp_integration.senders.base import SendReceipt

KEEP_SECONDS = 86400.0


class SentKeys:
	def __init__(
		self, root: Path, keep: float = KEEP_SECONDS, clock: Callable[[], float] = time.time
	) -> None:
		self._root = root
		self._keep = keep
		self._clock = clock

	def lookup(self, key: str) -> SendReceipt | bool:
		"""The receipt of the key's send, True when it was clicked without a confirmed
		receipt, False when this host never clicked send for the key (within a day)."""
		path = self._path(key)
		try:
			data = json.loads(path.read_text())
		except FileNotFoundError:
			return False
		except ValueError:
			return True  # cut short while its receipt was written: the click happened
		if self._clock() - float(data.get("clicked_at") or 0) > self._keep:
			path.unlink(missing_ok=True)
			return False
		receipt = data.get("receipt")
		return SendReceipt(receipt["message_id"], receipt.get("recipient_id")) if receipt else True

	def claim(self, key: str) -> bool:
		"""Record the click for `key`; False when the key was already claimed."""
		self._root.mkdir(parents=True, exist_ok=True)
		try:
			descriptor = os.open(self._path(key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
		except FileExistsError:
			return False
		with os.fdopen(descriptor, "w") as handle:
			json.dump({"key": key, "clicked_at": self._clock()}, handle)
		return True

	def confirm(self, key: str, receipt: SendReceipt) -> None:
		"""The key's message shows its tick: keep its receipt for repeated sends."""
		path = self._path(key)
		data = {"key": key, "clicked_at": self._clock(), "receipt": receipt.__dict__}
		partial = path.with_suffix(".tmp")
		partial.write_text(json.dumps(data))
		partial.replace(path)

	def sweep(self) -> None:
		"""Forget keys clicked more than a day ago."""
		if not self._root.is_dir():
			return
		oldest = self._clock() - self._keep
		for path in self._root.glob("*.json"):
			try:
				if path.stat().st_mtime < oldest:
					path.unlink(missing_ok=True)
			except FileNotFoundError:
				continue

	def _path(self, key: str) -> Path:
		return self._root / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
