"""Bench fixtures for campaigns: a fake Graph API process, RQ workers, campaigns with recipients."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import frappe
import requests
from frappe.utils import get_bench_path

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.testing.processes import free_port, start_process, stop_process, wait_until
from whatsapp_integration.tests.utils import (
	TEST_DEVICE,
	TEST_TOKEN,
	configure_settings,
	customer_wrote,
	ensure_test_device,
	unique_digits,
)

CAMPAIGN = "WhatsApp Campaign"
RECIPIENT = "WhatsApp Campaign Recipient"
TEMPLATE = "WhatsApp Template"


def start_bench_process(*arguments: str, log: str) -> subprocess.Popen:
	"""This bench's Python with `arguments`, in its own process group (a kill takes its children)."""
	sites = Path(get_bench_path()) / "sites"
	return start_process([sys.executable, *arguments], f"campaign-test-{log}.log", cwd=sites)


def start_worker(log: str = "worker") -> subprocess.Popen:
	return start_bench_process(
		"-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long", log=log
	)


def stop(process: subprocess.Popen) -> None:
	"""Stop a process group that may already be gone (killed on purpose by a test)."""
	if process.poll() is None:
		stop_process(process)


class FakeGraphProcess:
	"""`python -m whatsapp_integration.testing.fake_graph` on 127.0.0.1, scripted over HTTP."""

	def __init__(self, port: int | None = None, no_bodies: bool = False) -> None:
		"""On `port`, else on a free one. A port another run's server answers on is refused: its
		requests and scripted failures would mix with this test's."""
		port = port or free_port()
		self.url = f"http://127.0.0.1:{port}"
		assert not self._up(), f"port {port} is taken; stop what runs there or choose another"
		extra = ["--no-bodies"] if no_bodies else []
		module = ("-m", "whatsapp_integration.testing.fake_graph", "--port", str(port))
		self.process = start_bench_process(*module, "--access-token", TEST_TOKEN, *extra, log=f"graph-{port}")
		wait_until(self._up, 20, f"the fake Graph API on port {port}")

	def _up(self) -> bool:
		try:
			return requests.get(f"{self.url}/_fake/requests", timeout=1).ok
		except requests.RequestException:
			return False

	def requests(self) -> list[dict[str, Any]]:
		answer = requests.get(f"{self.url}/_fake/requests", timeout=30).json()
		return [request for request in answer if request["path"].endswith("/messages")]

	def sent_to(self) -> Counter:
		return Counter(request["body"]["to"] for request in self.requests())

	def reset(self) -> None:
		requests.post(f"{self.url}/_fake/reset", timeout=10)

	def fail(self, code: int | None, times: int = 1, http_status: int = 400) -> None:
		requests.post(
			f"{self.url}/_fake/fail",
			json={"code": code, "times": times, "http_status": http_status},
			timeout=10,
		)

	def repeat_wamid(self, times: int = 1) -> None:
		"""Answer the next `times` sends with the wamid of the send before."""
		requests.post(f"{self.url}/_fake/repeat_wamid", json={"times": times}, timeout=10)

	def stop(self) -> None:
		stop(self.process)


def point_settings_at(graph: FakeGraphProcess, **values: Any) -> None:
	defaults = {"send_rate_per_second": 1000, "send_burst": 1000, "campaign_lease_seconds": 10}
	defaults.update(pair_rate_seconds=6, campaign_batch_size=50, campaign_failure_window=50)
	defaults.update(campaign_auto_pause_failure_rate=0.5, max_retry_attempts=3)
	configure_settings(graph_api_base_url=graph.url, access_token=TEST_TOKEN, **{**defaults, **values})
	ensure_test_device()


NUMBER_BASE = int(unique_digits(8))
"""Where this run's customers' numbers begin: opt-outs and preferences of earlier runs (on numbers
of their own) do not apply to them."""


def numbers(count: int, start: int = 0) -> list[RecipientInput]:
	"""`count` UK mobile numbers of this run (+4478 and 8 digits, all valid), from `start`."""
	return [
		RecipientInput(f"+4478{(NUMBER_BASE + start + index) % 10**8:08d}", f"Customer {start + index}")
		for index in range(count)
	]


def new_campaign(recipients: list[RecipientInput], **values: Any) -> str:
	doc = frappe.get_doc(
		{
			"doctype": CAMPAIGN,
			"campaign_name": values.pop("campaign_name", "Bench campaign"),
			"device": TEST_DEVICE,
			"message": "Hello {{ recipient_name }}, this is your offer.",
			**values,
		}
	)
	doc.insert(ignore_permissions=True)
	frappe.db.commit()
	if not doc.template:  # free text: the recipients wrote just now (their 24 h window is open)
		for recipient in recipients:
			customer_wrote(recipient.number, doc.device)
	site_campaigns.campaign_service().add_recipients(doc.name, recipients)
	return doc.name


def approved_template(template_name: str, body: str) -> str:
	"""An approved template without parameters, stored as Meta's sync stores it (no validation):
	campaigns to customers who never wrote (their 24 h window is closed) send templates."""
	name = f"{template_name}-en_US"
	if not frappe.db.exists(TEMPLATE, name):
		values = {"template_name": template_name, "language": "en_US", "status": "APPROVED"}
		values.update(category="MARKETING", parameter_count=0, body=body)
		values["components"] = json.dumps([{"type": "BODY", "text": body}])
		frappe.get_doc({"doctype": TEMPLATE, "name": name, **values}).db_insert()
		frappe.db.commit()
	return name


def fresh(doctype: str, name: str, field: str) -> Any:
	frappe.db.rollback()  # a fresh snapshot: workers commit in other connections
	return frappe.db.get_value(doctype, name, field)


def states(campaign: str) -> dict[str, int]:
	frappe.db.rollback()
	rows = frappe.db.sql(
		f"select state, count(*) from `tab{RECIPIENT}` where campaign = %s group by state", campaign
	)
	return {state: int(count) for state, count in rows}


def clear_dispatchers() -> None:
	"""Forget dispatcher heartbeats of earlier tests, so the next tick enqueues at once."""
	frappe.cache.delete(site_campaigns.dispatcher_key(TEST_DEVICE))
