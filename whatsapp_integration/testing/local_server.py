"""A threaded HTTP server on 127.0.0.1 for the fakes that tests and benchmarks talk to."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

ServerT = TypeVar("ServerT", bound="LocalHttpServer")


class QuietServer(ThreadingHTTPServer):
	daemon_threads = True

	def handle_error(self, request: Any, client_address: Any) -> None:
		"""A client that hung up mid-request (a timed-out send, a browser that quit) is expected
		in tests; anything else is reported."""
		if not isinstance(sys.exc_info()[1], ConnectionError):
			super().handle_error(request, client_address)


class LocalHttpServer:
	"""Serves `handler` (with `state` bound as a class attribute) on 127.0.0.1 from a daemon
	thread. Use `with Fake(...) as fake:` or `start()`/`stop()`; `url` is its base URL."""

	thread_name = "local-http"

	def __init__(self, handler: type[BaseHTTPRequestHandler], state: object, port: int = 0) -> None:
		bound = type("BoundHandler", (handler,), {"state": state})
		self._server = QuietServer(("127.0.0.1", port), bound)
		self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)

	@property
	def url(self) -> str:
		return f"http://127.0.0.1:{self._server.server_address[1]}"

	def start(self: ServerT) -> ServerT:
		self._thread.start()
		return self

	def serve_forever(self) -> None:
		"""Serve in the calling thread (a fake run as its own process)."""
		self._server.serve_forever()

	def stop(self) -> None:
		self._server.shutdown()
		self._server.server_close()

	def __enter__(self: ServerT) -> ServerT:
		return self.start()

	def __exit__(self, *exc_info: object) -> None:
		self.stop()
