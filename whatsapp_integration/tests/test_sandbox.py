"""Sandbox devices and the send allowlist on a real site: a 100-recipient campaign on a Sandbox
device ends with every message Read (statuses through the signed webhook path and the inbox) in
the analytics figures; a simulated reply arrives as an inbound message; the
allowlist refuses a send over the API.

Run: CI=1 bench --site d1.localhost run-tests --module whatsapp_integration.tests.test_sandbox
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import nowdate

from whatsapp_integration import tasks
from whatsapp_integration.api import campaigns as campaigns_api
from whatsapp_integration.api import messages as messages_api
from whatsapp_integration.api import sandbox as sandbox_api
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.testing.processes import wait_until
from whatsapp_integration.tests.campaign_utils import (
	CAMPAIGN,
	fresh,
	new_campaign,
	numbers,
	start_bench_process,
	states,
	stop,
)
from whatsapp_integration.tests.utils import (
	configure_settings,
	customer_wrote,
	ensure_device,
	ensure_user,
	unique_digits,
)

DEVICE = f"_Test Sandbox {frappe.generate_hash(length=6)}"
MANAGER = "sandbox-manager@example.com"
SENDER = "sandbox-user@example.com"
LOG = "WhatsApp Message Log"
REPORT = (
	"whatsapp_integration.whatsapp_integration.report.whatsapp_message_analytics.whatsapp_message_analytics"
)


class TestSandboxOnTheBench(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_settings(
			app_secret=f"sandbox-{frappe.generate_hash(length=12)}",
			sandbox_delivered_after_seconds=0.5,
			sandbox_read_after_seconds=0.5,
			stats_cache_ttl=0,
			restrict_sends_to_allowlist=0,
			campaign_batch_size=50,
			pair_rate_seconds=0,
		)
		ensure_device(DEVICE, mode=DeviceMode.SANDBOX, is_default=0)
		ensure_user(MANAGER, ("WhatsApp Manager",))
		ensure_user(SENDER, ("WhatsApp User",))

	@classmethod
	def tearDownClass(cls) -> None:
		configure_settings(restrict_sends_to_allowlist=0, send_allowlist="")
		frappe.set_user("Administrator")
		for name in frappe.get_all("WhatsApp Device", {"name": ("like", f"{DEVICE}%")}, pluck="name"):
			frappe.db.set_value("WhatsApp Device", name, "enabled", 0)  # keeps its logs; sends nothing
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self) -> None:
		frappe.set_user("Administrator")

	def test_the_device_gets_its_own_phone_number_id(self) -> None:
		self.assertTrue(
			frappe.db.get_value("WhatsApp Device", DEVICE, "phone_number_id").startswith("sandbox-")
		)

	def test_a_campaign_of_100_ends_with_every_message_read(self) -> None:
		recipients = numbers(100, start=70000)
		for recipient in recipients:  # their 24 h window is open: a free-text campaign may go
			customer_wrote(recipient.number, DEVICE)
		frappe.db.commit()
		name = new_campaign(recipients, device=DEVICE, campaign_name="Sandbox campaign")
		frappe.set_user(MANAGER)
		campaigns_api.start(name)
		frappe.set_user("Administrator")
		# The bench's RQ queues are shared with other sites: run the dispatcher and the Sandbox
		# delivery job here too (the same functions the jobs run) instead of waiting behind them.
		site_campaigns.dispatch(DEVICE, keep_alive=False)
		# the dispatcher job `start` queued may have taken some batches in a worker
		wait_until(lambda: fresh(CAMPAIGN, name, "status") == "Completed", 300, f"{name} to complete")
		self.assertEqual(states(name), {"Sent": 100})
		tasks.deliver_sandbox_statuses()  # returns once no Sandbox message waits for a status
		frappe.db.rollback()
		logs = frappe.get_all(
			LOG,
			filters={
				"device": DEVICE,
				"direction": "Outbound",
				"idempotency_key": ("like", f"campaign:{name}:%"),
			},
			pluck="status",
		)
		self.assertEqual((len(logs), set(logs)), (100, {"Read"}))
		number_id = frappe.db.get_value("WhatsApp Device", DEVICE, "phone_number_id")
		events = frappe.db.count(
			"WhatsApp Webhook Event", {"state": "Processed", "body": ("like", f"%{number_id}%")}
		)
		self.assertGreaterEqual(events, 200)  # a Delivered and a Read per message, as Meta posts them
		figures = self.report(campaign=name)
		self.assertEqual((figures["sent_total"], figures["delivered"], figures["read"]), (100, 100, 100))

	def report(self, **filters: str) -> dict[str, int]:
		_columns, data, *_rest = frappe.get_attr(f"{REPORT}.execute")(
			{"from_date": nowdate(), "to_date": nowdate(), **filters}
		)
		totals = {
			key: sum(row.get(key) or 0 for row in data) for key in ("total", "delivered", "read", "failed")
		}
		return {"sent_total": totals["total"], **totals}

	def test_a_send_is_read_through_the_queued_delivery_job(self) -> None:
		"""The job a Sandbox send queues (no direct call here) reports Delivered and Read."""
		number = numbers(1, start=74000)[0].number
		customer_wrote(number, DEVICE)
		frappe.set_user(SENDER)
		name = messages_api.send(to=number, text="Your order has shipped", device=DEVICE)["message_log"]
		frappe.set_user("Administrator")
		frappe.db.commit()  # the send's commit queues the delivery job
		worker = start_bench_process(
			"-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "short", log="sandbox-worker"
		)
		try:
			wait_until(lambda: fresh(LOG, name, "status") == "Read", 300, f"{name} to be Read")
		finally:
			stop(worker)
		events = [row.status for row in frappe.get_doc(LOG, name).status_events]
		self.assertEqual(events[-2:], ["Delivered", "Read"])

	def test_a_simulated_reply_arrives_as_an_inbound_message(self) -> None:
		number = numbers(1, start=71000)[0].number
		frappe.set_user(SENDER)
		with self.assertRaises(frappe.PermissionError):
			sandbox_api.simulate_reply(DEVICE, number, "Hello?")
		frappe.set_user(MANAGER)
		wamid = sandbox_api.simulate_reply(DEVICE, number, "Where is my <b>order</b>?")["wamid"]
		frappe.db.commit()
		self.assertFalse(frappe.db.exists(LOG, {"wamid": wamid}))  # in the inbox, not applied yet
		frappe.set_user("Administrator")
		tasks.drain_webhook_inbox()  # the job the reply queued, as a webhook POST does
		frappe.set_user(MANAGER)
		row = frappe.db.get_value(
			LOG, {"wamid": wamid}, ["direction", "from_number", "text", "device"], as_dict=True
		)
		self.assertEqual(
			(row.direction, row.from_number, row.text, row.device),
			("Inbound", number, "Where is my <b>order</b>?", DEVICE),
		)
		official = f"{DEVICE} official"
		ensure_device(official, phone_number_id=unique_digits(15), is_default=0)
		with self.assertRaisesRegex(frappe.ValidationError, "Sandbox devices only"):
			sandbox_api.simulate_reply(official, number, "hi")

	def test_only_a_system_manager_sets_the_allowlist_and_entries_are_checked(self) -> None:
		frappe.set_user(MANAGER)
		settings = frappe.get_doc("WhatsApp Integration Settings")
		settings.restrict_sends_to_allowlist, settings.send_allowlist = 1, "+1555*"
		settings.save()
		frappe.set_user("Administrator")
		stored = frappe.db.get_singles_dict("WhatsApp Integration Settings")
		self.assertEqual((int(stored.restrict_sends_to_allowlist or 0), stored.send_allowlist or ""), (0, ""))
		settings = frappe.get_doc("WhatsApp Integration Settings")
		settings.send_allowlist = "+4917600000001\n0176 1234"
		with self.assertRaisesRegex(frappe.ValidationError, "'0176 1234' is not a number or prefix"):
			settings.save()

	def test_the_allowlist_refuses_other_numbers(self) -> None:
		allowed, other = (recipient.number for recipient in numbers(2, start=72000))
		configure_settings(restrict_sends_to_allowlist=1, send_allowlist=f"{allowed}\n")
		try:
			customer_wrote(allowed, DEVICE)
			customer_wrote(other, DEVICE)
			frappe.set_user(SENDER)
			with self.assertRaisesRegex(frappe.ValidationError, "not on the send allowlist"):
				messages_api.send(to=other, text="hello", device=DEVICE)
			self.assertFalse(frappe.db.exists(LOG, {"to_number": other, "direction": "Outbound"}))
			self.assertEqual(messages_api.send(to=allowed, text="hello", device=DEVICE)["status"], "Sent")
		finally:
			frappe.set_user("Administrator")
			configure_settings(restrict_sends_to_allowlist=0, send_allowlist="")
