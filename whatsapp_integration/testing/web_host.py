"""A framework-free session host process for tests and benchmarks (the bench command
`whatsapp-web-host` is the same host with the Frappe Device as its store).

	python -m whatsapp_integration.testing.web_host --redis-url redis://127.0.0.1:6379/0 \
		--namespace test: --state-dir <dir> --base-url http://127.0.0.1:8766
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import redis

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.web.states import SessionSnapshot, Transition
from whatsapp_integration.session_host.host import SessionHost, build_supervisor
from whatsapp_integration.session_host.pacing import RedisDailyCounter


class LoggingListener:
	def session_changed(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		if transition is not None:
			logging.info("%s -> %s (%s)", snapshot.device, transition.state.value, transition.reason)


def build_host(client: redis.Redis, namespace: str, state_dir: Path, config: WhatsAppConfig) -> SessionHost:
	counter = RedisDailyCounter(client, namespace)
	supervisor, processes = build_supervisor(config, state_dir, LoggingListener(), counter)
	return SessionHost(supervisor, client, namespace, processes)


def main() -> None:
	parser = argparse.ArgumentParser(description="Run a WhatsApp Web session host without Frappe.")
	parser.add_argument("--redis-url", required=True)
	parser.add_argument("--namespace", required=True)
	parser.add_argument("--state-dir", required=True, type=Path)
	parser.add_argument("--base-url", required=True)
	parser.add_argument("--pool-size", type=int, default=4)
	parser.add_argument("--restore", nargs="*", default=[])
	arguments = parser.parse_args()
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
	config = WhatsAppConfig(web_base_url=arguments.base_url, driver_pool_size=arguments.pool_size)
	host = build_host(
		redis.Redis.from_url(arguments.redis_url), arguments.namespace, arguments.state_dir, config
	)
	host.install_process_handlers()
	host.run(restore=arguments.restore)


if __name__ == "__main__":
	main()
