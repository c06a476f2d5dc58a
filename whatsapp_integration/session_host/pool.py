"""A bounded pool of warm browsers.

A browser's profile directory is fixed when it starts, so an idle browser is kept for the
profile (device) it was started with: stopping a session and starting it again reuses the
running browser, which is what makes a warm QR much faster than a cold start. At most
`max_size` browsers exist at once (busy + idle); when the pool is full, the least recently
used idle browser makes room, and when every browser is busy `DriverPoolExhausted` says so.
A profile is held by one caller at a time (two browsers must never share a profile): a second
caller for the same profile waits until the first gives its browser back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from whatsapp_integration.core.errors import DriverPoolExhausted
from whatsapp_integration.core.i18n import _
from whatsapp_integration.session_host.browser import ManagedDriver

Launcher = Callable[[Path], ManagedDriver]
Quitter = Callable[[ManagedDriver], None]


class DriverPool:
	def __init__(
		self, launcher: Launcher, quitter: Quitter, max_size: int, handoff_timeout: float = 30.0
	) -> None:
		self._launch = launcher
		self._quit = quitter
		self.max_size = max_size
		self.handoff_timeout = handoff_timeout
		self._idle: dict[Path, ManagedDriver] = {}
		self._busy: set[ManagedDriver] = set()
		self._held: set[Path] = set()
		self._starting = 0
		self._lock = threading.Lock()
		self._changed = threading.Condition(self._lock)
		self._closed = False

	def acquire(self, profile_dir: Path) -> ManagedDriver:
		"""A browser for `profile_dir`: the warm one if it is idle, else a new one."""
		warm, evicted = self._reserve(profile_dir)
		if evicted is not None:
			self._quit(evicted)
		if warm is not None:
			if warm.alive():
				return warm
			self._replace_dead(warm)
		return self._start(profile_dir)

	def release(self, driver: ManagedDriver, reusable: bool = True) -> None:
		"""Give a browser back: kept warm for its profile, or quit when it is broken or unwanted."""
		with self._lock:
			self._busy.discard(driver)
			keep = reusable and not self._closed and driver.profile_dir not in self._idle
			if keep:
				driver.last_used = time.monotonic()
				self._idle[driver.profile_dir] = driver
				self._unhold(driver.profile_dir)
		if not keep:
			self._quit(driver)
			with self._lock:
				self._unhold(driver.profile_dir)

	def discard(self, profile_dir: Path) -> None:
		"""Quit the idle browser of `profile_dir` (before its profile is wiped)."""
		with self._lock:
			driver = self._idle.pop(profile_dir, None)
		if driver is not None:
			self._quit(driver)

	def sweep(self, max_idle_seconds: float) -> int:
		"""Quit idle browsers unused for `max_idle_seconds`; returns how many."""
		cutoff = time.monotonic() - max_idle_seconds
		with self._lock:
			stale = [driver for driver in self._idle.values() if driver.last_used < cutoff]
			for driver in stale:
				del self._idle[driver.profile_dir]
		for driver in stale:
			self._quit(driver)
		return len(stale)

	def resize(self, max_size: int) -> int:
		"""A new maximum from changed Settings: idle browsers over it are quit at once (least
		recently used first), busy ones only count against it; returns how many were quit."""
		with self._lock:
			self.max_size = max_size
			oldest_first = sorted(self._idle.values(), key=lambda driver: driver.last_used)
			surplus = oldest_first[: max(0, self._size() - max_size)]
			for driver in surplus:
				del self._idle[driver.profile_dir]
		for driver in surplus:
			self._quit(driver)
		return len(surplus)

	def close(self, timeout: float = 60.0) -> None:
		"""Quit every browser, busy ones included, once the ones starting have started; the
		pool refuses new work afterwards."""
		with self._lock:
			self._closed = True
			self._changed.notify_all()
			self._changed.wait_for(lambda: self._starting == 0, timeout)
			drivers = [*self._idle.values(), *self._busy]
			self._idle.clear()
			self._busy.clear()
		for driver in drivers:
			self._quit(driver)

	def counts(self) -> dict[str, int]:
		with self._lock:
			return {"busy": len(self._busy), "idle": len(self._idle), "starting": self._starting}

	def _reserve(self, profile_dir: Path) -> tuple[ManagedDriver | None, ManagedDriver | None]:
		"""Under the lock: hold the profile, then take its warm browser or a slot for a new one."""
		with self._lock:
			free = self._changed.wait_for(
				lambda: self._closed or profile_dir not in self._held, self.handoff_timeout
			)
			if self._closed:
				raise DriverPoolExhausted(_("The WhatsApp Web session host is shutting down."))
			if not free:
				raise DriverPoolExhausted(
					_("The browser of this device is still busy. Try again in a moment.")
				)
			warm = self._idle.pop(profile_dir, None)
			if warm is not None:
				self._busy.add(warm)
			else:
				evicted = self._evict_oldest_idle() if self._size() >= self.max_size else None
				self._starting += 1
			self._held.add(profile_dir)
			return (warm, None) if warm is not None else (None, evicted)

	def _evict_oldest_idle(self) -> ManagedDriver:
		if not self._idle:
			raise DriverPoolExhausted(
				_(
					"All {count} WhatsApp Web browsers are busy with other devices. Stop a session "
					"or raise Browser pool size in WhatsApp Integration Settings."
				).format(count=self.max_size)
			)
		oldest = min(self._idle.values(), key=lambda driver: driver.last_used)
		return self._idle.pop(oldest.profile_dir)

	def _replace_dead(self, driver: ManagedDriver) -> None:
		"""A warm browser that crashed: its slot goes to the browser that replaces it."""
		with self._lock:
			self._busy.discard(driver)
			self._starting += 1
		self._quit(driver)

	def _start(self, profile_dir: Path) -> ManagedDriver:
		try:
			driver = self._launch(profile_dir)
		except BaseException:
			self._started(profile_dir, None)
			raise
		with self._lock:
			closed = self._closed
		if closed:
			self._quit(driver)
			self._started(profile_dir, None)
			raise DriverPoolExhausted(_("The WhatsApp Web session host is shutting down."))

		self._started(profile_dir, driver)
		return driver

	def _started(self, profile_dir: Path, driver: ManagedDriver | None) -> None:
		"""A start ended: the new browser is busy, or (on failure) the profile is free again."""
		with self._lock:
			self._starting -= 1
			if driver is not None:
				self._busy.add(driver)
			else:
				self._unhold(profile_dir)
			self._changed.notify_all()

	def _unhold(self, profile_dir: Path) -> None:
		self._held.discard(profile_dir)
		self._changed.notify_all()

	def _size(self) -> int:
		return len(self._idle) + len(self._busy) + self._starting
