"""Issue 11 item 4: a second app's `whatsapp_message_events` hook sees every inbound message, every
campaign send and every status change, after the transaction committed; a failing handler is
logged and breaks nothing.

The second app is registered through Frappe's own hook registry, not installed on the shared
site (installing an app on it would change every other suite's site): its hooks.py content
(`SECOND_APP_HOOKS`) is merged into the site's hooks with `frappe.append_hook`, exactly as
`frappe._load_app_hooks` merges an installed app's hooks.py, and served by `frappe.get_hooks`
through Frappe's `patch_hooks` test utility. So `site/message_events.py` reads the subscription
the way it reads a real app's. Everything runs in this process (the campaign dispatcher too,
called as its job would call it), so the handlers record into a module list.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_message_events
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import frappe
from frappe.tests.utils import FrappeTestCase, patch_hooks

from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.message_events import HOOK
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.campaign_utils import (
	FakeGraphProcess,
	clear_dispatchers,
	new_campaign,
	numbers,
	point_settings_at,
)
from whatsapp_integration.tests.test_webhook import process_through_inbox
from whatsapp_integration.tests.utils import TEST_DEVICE
from whatsapp_integration.tests.webhook_utils import (
	configure_webhook,
	create_outbound,
	messages_change,
	unique_number,
)

HERE = "whatsapp_integration.tests.test_message_events"
SECOND_APP_HOOKS = {
	HOOK: {
		"*": [f"{HERE}.record_event"],
		"inbound": [f"{HERE}.broken_handler"],
	}
}
SEEN: list[dict[str, Any]] = []


def record_event(event: dict[str, Any]) -> None:
	"""The second app's handler: what it was given, and whether the row was committed by then."""
	committed = frappe.db.sql("select count(*) from `tabWhatsApp Message Log` where name = %s", event["name"])
	SEEN.append({**event, "row_exists": bool(committed[0][0])})


def broken_handler(event: dict[str, Any]) -> None:
	raise RuntimeError("a second app's handler that fails")


@contextlib.contextmanager
def second_app_installed() -> Iterator[None]:
	hooks = frappe.get_hooks()  # every installed app's hooks.py, merged
	merged = {HOOK: {event: list(paths) for event, paths in (hooks.get(HOOK) or {}).items()}}
	frappe.append_hook(merged, HOOK, SECOND_APP_HOOKS[HOOK])
	with patch_hooks(merged):
		yield


class TestSecondAppMessageEvents(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_webhook()

	def setUp(self) -> None:
		SEEN.clear()
		hook = second_app_installed()
		hook.__enter__()
		self.addCleanup(hook.__exit__, None, None, None)

	def events(self, event: str) -> list[dict[str, Any]]:
		return [seen for seen in SEEN if seen["event"] == event]

	def test_each_inbound_message_is_one_inbound_event(self) -> None:
		number = unique_number()
		wamids = [f"wamid.in-{frappe.generate_hash()}" for _ in range(2)]
		body = [payloads.text_message(wamid, "Hello", wa_id=number) for wamid in wamids]
		errors_before = frappe.db.count("Error Log")
		process_through_inbox(payloads.encode(payloads.envelope([messages_change(messages=body)])))
		inbound = self.events("inbound")
		self.assertEqual(sorted(event["wamid"] for event in inbound), sorted(wamids))
		for event in inbound:
			self.assertEqual((event["direction"], event["status"]), ("Inbound", "Received"))
			self.assertEqual((event["from_number"], event["row_exists"]), ("+" + number, True))
		# the failing handler of the same app is logged once per message and stopped nothing
		self.assertEqual(frappe.db.count("Error Log") - errors_before, 2)
		self.assertEqual(frappe.db.count("WhatsApp Message Log", {"wamid": ("in", wamids)}), 2)
		self.assertEqual(self.events("status") + self.events("outbound"), [])

	def test_a_webhook_status_change_is_one_status_event(self) -> None:
		wamid = f"wamid.out-{frappe.generate_hash()}"
		log = create_outbound(wamid, status="Sent")
		statuses = [payloads.status(wamid, "delivered", 1764000100)]
		process_through_inbox(payloads.encode(payloads.envelope([messages_change(statuses=statuses)])))
		process_through_inbox(payloads.encode(payloads.envelope([messages_change(statuses=statuses)])))
		changes = self.events("status")
		self.assertEqual(len(changes), 1, "a redelivered status changes nothing")
		self.assertEqual(
			(changes[0]["name"], changes[0]["previous_status"], changes[0]["status"], changes[0]["wamid"]),
			(log, "Sent", "Delivered", wamid),
		)

	def test_each_campaign_send_is_one_outbound_event(self) -> None:
		graph = FakeGraphProcess()
		self.addCleanup(graph.stop)
		point_settings_at(graph)
		clear_dispatchers()
		# this test dispatches in its own process: no worker elsewhere may take the campaign's job
		frappe.cache.set(site_campaigns.dispatcher_key(TEST_DEVICE), "running", ex=600)
		self.addCleanup(clear_dispatchers)
		name = new_campaign(numbers(3, start=70000))
		site_campaigns.campaign_service().start(name)
		frappe.db.commit()
		site_campaigns.dispatch(TEST_DEVICE, keep_alive=False)
		logs = frappe.get_all(
			"WhatsApp Message Log",
			filters={"idempotency_key": ("like", f"campaign:{name}:%")},
			fields=["name", "to_number", "status"],
		)
		self.assertEqual(len(logs), 3)
		outbound = self.events("outbound")
		self.assertEqual(
			sorted((event["name"], event["to_number"], event["status"]) for event in outbound),
			sorted((log.name, log.to_number, log.status) for log in logs),
		)
		self.assertTrue(all(event["row_exists"] and event["direction"] == "Outbound" for event in outbound))
