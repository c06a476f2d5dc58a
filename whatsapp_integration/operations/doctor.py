"""The site's facts for `bench whatsapp doctor` (devices, tokens, scheduler, workers, session host,
webhook inbox) and the doctor wired to them and to Meta's Graph API."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import frappe
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from whatsapp_integration.core.operations.doctor import Finding
from whatsapp_integration.core.vocabulary import InboxState
from whatsapp_integration.operations.health import scheduler_state
from whatsapp_integration.operations.stats_cache import session_host_heartbeat
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.doctor import Doctor, DoctorDevice, InboxBacklog
from whatsapp_integration.site.doctypes import DEVICE, WEBHOOK_EVENT
from whatsapp_integration.site.settings import get_config

GRAPH_TIMEOUT = 10.0  # a doctor run must not wait out Meta's full request timeout per call


class FrappeDoctorReaders:
	def devices(self) -> list[DoctorDevice]:
		fields = ["name", "mode", "enabled", "phone_number_id", "waba_id", "web_state", "is_default"]
		return [
			DoctorDevice(
				row.name,
				row.mode,
				bool(row.enabled),
				row.phone_number_id,
				row.waba_id,
				row.web_state,
				bool(row.is_default),
			)
			for row in frappe.get_all(DEVICE, fields=fields, order_by="name")
		]

	def token(self, device: str) -> str:
		own = get_decrypted_password(DEVICE, device, "access_token", raise_exception=False)
		return own or get_config().access_token

	def scheduler(self) -> tuple[bool, float | None]:
		return scheduler_state()

	def worker_count(self) -> int:
		from frappe.utils.background_jobs import get_workers

		return len(get_workers())

	def heartbeat_age(self) -> float | None:
		beat = session_host_heartbeat()
		return None if beat is None else time.time() - beat

	def inbox_backlog(self) -> InboxBacklog:
		row = frappe.db.sql(
			f"""SELECT
				SUM(state = %(queued)s), MIN(IF(state = %(queued)s, creation, NULL)), SUM(state = %(failed)s)
			FROM `tab{WEBHOOK_EVENT}` WHERE state IN (%(queued)s, %(failed)s)""",
			{"queued": InboxState.QUEUED, "failed": InboxState.FAILED},
		)[0]
		oldest = (now_datetime() - row[1]).total_seconds() if row[1] else None
		return InboxBacklog(int(row[0] or 0), oldest, int(row[2] or 0))


def run_doctor() -> list[Finding]:
	config = get_config()
	timeout = min(config.request_timeout, GRAPH_TIMEOUT)
	doctor = Doctor(
		FrappeDoctorReaders(),
		config,
		graph=lambda token: GraphClient(config.graph_api_root, token, timeout=timeout),
		now=lambda: datetime.now(timezone.utc),
	)
	return doctor.run()
