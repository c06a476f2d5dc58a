"""The session host of one site, as `bench --site <site> whatsapp-web-host` runs it: the
framework-free host with the WhatsApp Device as its store."""

from __future__ import annotations

import logging

import frappe

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.web.states import SessionState
from whatsapp_integration.repositories.web_sessions import FrappeWebSessionRepository
from whatsapp_integration.services.qr_service import SessionRecorder
from whatsapp_integration.session_host.host import RelayListener, SessionHost, build_supervisor
from whatsapp_integration.session_host.pacing import RedisDailyCounter
from whatsapp_integration.session_host.receiver import WebReceiver
from whatsapp_integration.site.settings import get_config
from whatsapp_integration.site.web import namespace, redis_client, state_dir
from whatsapp_integration.site.web_inbound import record_web_messages


def run_host(workers: int = 8) -> None:
	"""Run the session host of the connected site until SIGTERM/SIGINT."""
	logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
	site, sites_path = frappe.local.site, frappe.local.sites_path
	config, client = get_config(), redis_client()
	repository = FrappeWebSessionRepository()
	listener = RelayListener(
		SessionRecorder(repository),
		setup=lambda: _connect(site, sites_path),
		teardown=frappe.destroy,
	).start()
	supervisor, processes = build_supervisor(
		config, state_dir(), listener, RedisDailyCounter(client, namespace())
	)
	repository.profile_dir_for = supervisor.profile_dir
	receiver = WebReceiver(
		supervisor, lambda device, messages: listener.call(record_web_messages, device, messages)
	)
	host = SessionHost(
		supervisor,
		client,
		namespace(),
		processes,
		workers=workers,
		config_source=_current_config,
		receiver=receiver,
	)
	host.install_process_handlers()
	repository.stop_sessions(
		(SessionState.STARTING, SessionState.SCAN_QR_CODE),
		"The session host restarted before the QR code was scanned. Click Link.",
	)
	restore = repository.restorable_devices()
	frappe.db.commit()
	try:
		host.run(restore=restore)
	finally:
		listener.close()


def _current_config() -> WhatsAppConfig:
	"""The Settings as saved now. The host's transaction ends first: a snapshot opened long ago
	would show old values (and put them back into the shared Settings cache)."""
	frappe.db.rollback()
	return get_config()


def _connect(site: str, sites_path: str) -> None:
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
