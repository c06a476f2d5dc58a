"""The session host: the one long-running process that owns every WhatsApp Web browser.

It takes commands from Redis (see `protocol`), runs them on a thread pool against the
`SessionSupervisor`, writes each reply back, keeps a heartbeat key alive, sweeps idle sessions
on a timer, and on start kills browser processes a crashed predecessor left behind.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import SessionHostUnavailable
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.web.selectors import SelectorRegistry, load_registry
from whatsapp_integration.core.web.states import SessionSnapshot, SessionState, Transition
from whatsapp_integration.session_host.browser import ManagedDriver, launch, quit_driver
from whatsapp_integration.session_host.pacing import DailyCounter, SendPacer
from whatsapp_integration.session_host.pool import DriverPool
from whatsapp_integration.session_host.processes import ProcessRegistry
from whatsapp_integration.session_host.protocol import HEARTBEAT_TTL, Command, error_reply, keys, reply_key
from whatsapp_integration.session_host.receiver import WebReceiver
from whatsapp_integration.session_host.send_guard import SendGuard
from whatsapp_integration.session_host.sent_keys import SentKeys
from whatsapp_integration.session_host.supervisor import SessionListener, SessionSupervisor

logger = logging.getLogger(__name__)
REPLY_TTL = 120


class RelayListener:
	"""A `SessionListener` that queues changes and hands them to `sink` on its own thread, so
	the supervisor never waits for a database or Redis write. `setup` runs first on that
	thread (the Frappe glue connects to the site there). `call` queues other work for that
	thread (the receiver's messages)."""

	def __init__(
		self,
		sink: SessionListener,
		setup: Callable[[], None] | None = None,
		teardown: Callable[[], None] | None = None,
	) -> None:
		self._sink = sink
		self._setup, self._teardown = setup, teardown
		self._queue: queue.Queue[functools.partial[None] | None] = queue.Queue()
		self._thread = threading.Thread(target=self._run, name="whatsapp-web:relay", daemon=True)

	def start(self) -> RelayListener:
		self._thread.start()
		return self

	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		self.call(self._sink.session_changed, snapshot, transition)

	def call(self, function: Callable[..., None], *args: Any) -> None:
		"""Run `function(*args)` on the relay thread, after what was queued before."""
		self._queue.put(functools.partial(function, *args))

	def close(self, timeout: float = 10.0) -> None:
		self._queue.put(None)
		self._thread.join(timeout)

	def _run(self) -> None:
		if self._setup:
			self._setup()
		try:
			while (item := self._queue.get()) is not None:
				try:
					item()
				except Exception:
					device = getattr(item.args[0], "device", item.args[0])
					logger.exception(
						"could not record %s of WhatsApp Web session %s", item.func.__name__, device
					)
		finally:
			if self._teardown:
				self._teardown()


class SessionHost:
	def __init__(
		self,
		supervisor: SessionSupervisor,
		redis_client: Any,
		namespace: str,
		processes: ProcessRegistry,
		*,
		workers: int = 8,
		heartbeat_ttl: float = HEARTBEAT_TTL,
		config_source: Callable[[], WhatsAppConfig] | None = None,
		receiver: WebReceiver | None = None,
	) -> None:
		"""`config_source`, when given, is asked for the current Settings before each sweep, on
		the thread that runs `run` (the Frappe glue's source needs that thread's site connection).
		`receiver`, when given, reads the WORKING sessions' unread chats every *Web receive
		interval* (Settings)."""
		self.supervisor = supervisor
		self._redis = redis_client
		self._namespace = namespace
		self._keys = keys(namespace)
		self._processes = processes
		self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whatsapp-web:cmd")
		self._heartbeat_ttl = heartbeat_ttl
		self._config_source = config_source
		self._receiver = receiver
		self.stopping = threading.Event()

	def run(self, restore: list[str] | tuple[str, ...] = ()) -> None:
		"""Serve until `stopping` is set (SIGTERM/SIGINT set it when `install_process_handlers` ran)."""
		killed = self._processes.kill_orphans()
		if killed:
			logger.warning("killed %s browser processes left by a previous host", killed)
		self._beat()
		for device in restore:
			self._submit(Command("start", device, {"reason": "Restored after the host restarted"}))
		try:
			self._serve()
		finally:
			self.close()

	def install_process_handlers(self) -> None:
		"""SIGTERM/SIGINT end `run` cleanly; `atexit` quits the browsers on any other exit."""
		for signum in (signal.SIGTERM, signal.SIGINT):
			signal.signal(signum, lambda *_: self.stopping.set())
		atexit.register(self.close)

	def close(self) -> None:
		"""Stop taking commands, drop the heartbeat, quit every browser."""
		self.stopping.set()
		self._redis.delete(self._keys["heartbeat"])
		self._executor.shutdown(wait=False, cancel_futures=True)
		self.supervisor.shutdown()
		self._processes.kill_orphans()

	def handle(self, command: Command) -> dict[str, Any]:
		"""Run one command and return its reply (never raises)."""
		if command.expired():
			return error_reply(SessionHostUnavailable(_("The command expired before it ran.")))
		try:
			return {"ok": True, "result": self._dispatch(command)}
		except Exception as error:
			if not hasattr(error, "action") and not hasattr(error, "retry_after"):
				logger.info("command %s for %s failed: %s", command.action, command.device, error)
			return error_reply(error)

	def _dispatch(self, command: Command) -> dict[str, Any]:
		supervisor, device, args = self.supervisor, command.device, command.args
		handlers: dict[str, Callable[[], dict[str, Any]]] = {
			"ping": lambda: {"pid": os.getpid()},
			"start": lambda: supervisor.start(device, args.get("reason") or "Link requested").to_dict(),
			"stop": lambda: supervisor.stop(device, args.get("reason") or "Stopped by user").to_dict(),
			"logout": lambda: supervisor.logout(device).to_dict(),
			"status": lambda: supervisor.status(device).to_dict(with_qr=True),
			"canary": lambda: supervisor.canary(device).to_dict(),
			"send": lambda: self._send(device, args),
			"sweep": self._sweep_now,
		}
		if command.action not in handlers:
			raise ValueError(f"unknown command {command.action!r}")
		return handlers[command.action]()

	def _send(self, device: str, args: dict[str, Any]) -> dict[str, Any]:
		click_by = None if args.get("click_by") is None else float(args["click_by"])
		guard = SendGuard(self.supervisor.sent_keys, args.get("key") or None, click_by)
		max_wait = float(args.get("max_wait", 30))
		receipt = self.supervisor.send_text(device, args["to"], args["text"], max_wait, guard)
		return {"message_id": receipt.message_id, "recipient_id": receipt.recipient_id}

	def _serve(self) -> None:
		next_beat = next_sweep = next_receive = 0.0
		while not self.stopping.is_set():
			now = time.monotonic()
			if self._receiver is not None and now >= next_receive:
				self._receive()
				next_receive = now + self.supervisor.config.web_receive_interval
			if now >= next_beat:
				self._beat()
				next_beat = now + self._heartbeat_ttl / 3
			if now >= next_sweep:
				self._refresh_config()
				self._executor.submit(self._sweep)
				next_sweep = now + self.supervisor.config.session_sweep_interval
			raw = self._redis.brpop(self._keys["commands"], timeout=1)
			if raw is not None:
				self._submit(Command.decode(raw[1]))

	def _submit(self, command: Command) -> None:
		self._executor.submit(self._answer, command)

	def _answer(self, command: Command) -> None:
		reply = self.handle(command)
		key = reply_key(self._namespace, command.id)
		pipeline = self._redis.pipeline()
		pipeline.lpush(key, json.dumps(reply))
		pipeline.expire(key, REPLY_TTL)
		pipeline.execute()

	def _refresh_config(self) -> None:
		"""Hand changed Settings to the supervisor; a source that fails keeps the current ones."""
		if self._config_source is None:
			return
		try:
			config = self._config_source()
		except Exception:
			logger.exception("could not read the WhatsApp settings; the session host keeps its current ones")
			return
		if config != self.supervisor.config:
			self.supervisor.reconfigure(config)
			logger.info("the session host applied changed WhatsApp settings")

	def _receive(self) -> None:
		"""Queue a read of every WORKING session's unread chats (one at a time per device)."""
		for snapshot in self.supervisor.snapshots():
			if snapshot.state is SessionState.WORKING and self._receiver is not None:
				self._executor.submit(self._receiver.receive, snapshot.device)

	def _sweep_now(self) -> dict[str, Any]:
		"""The `sweep` command (the site's scheduler sends it): the timer's sweep, at once."""
		self.supervisor.sweep()
		return {"pid": os.getpid()}

	def _sweep(self) -> None:
		try:
			self.supervisor.sweep()
		except Exception:
			logger.exception("the WhatsApp Web session sweep failed")

	def _beat(self) -> None:
		beat = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "at": time.time()})
		pipeline = self._redis.pipeline()
		pipeline.set(self._keys["heartbeat"], beat, px=int(self._heartbeat_ttl * 1000))
		pipeline.set(self._keys["last_beat"], beat)
		pipeline.execute()


def build_supervisor(
	config: WhatsAppConfig,
	state_dir: Path,
	listener: SessionListener,
	counter: DailyCounter,
	selectors: SelectorRegistry | None = None,
	monotonic: Callable[[], float] = time.monotonic,
) -> tuple[SessionSupervisor, ProcessRegistry]:
	"""Wire a supervisor: browsers launched per its current config, tracked in
	`state_dir/processes.json`, profiles in `state_dir/profiles`, pacing from config, the
	idempotency keys it clicked send for in `state_dir/sent`."""
	processes = ProcessRegistry(state_dir / "processes.json")

	def launch_with_current_config(profile: Path) -> ManagedDriver:
		return launch(supervisor.config, profile, processes)

	pool = DriverPool(
		launch_with_current_config,
		lambda driver: quit_driver(driver, processes),
		config.driver_pool_size,
	)
	pacer = SendPacer(
		config.web_min_send_gap_seconds, config.web_send_jitter_seconds, config.web_daily_cap, counter
	)
	supervisor = SessionSupervisor(
		config,
		pool,
		selectors or load_registry(),
		state_dir / "profiles",
		listener,
		pacer,
		SentKeys(state_dir / "sent"),
		monotonic=monotonic,
	)
	return supervisor, processes
