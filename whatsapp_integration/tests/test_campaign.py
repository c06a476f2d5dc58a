"""Campaigns on a real site: RQ workers, the scheduler tick, a fake Graph API process on 127.0.0.1.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_campaign
"""

from __future__ import annotations

import os
import signal
import time

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, now_datetime

from whatsapp_integration.api import campaigns as api
from whatsapp_integration.core.campaign.outcomes import IN_DOUBT_REASON
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.records import duplicate_wamid_reason
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.testing.processes import free_port, wait_until
from whatsapp_integration.tests.campaign_utils import (
	CAMPAIGN,
	RECIPIENT,
	FakeGraphProcess,
	clear_dispatchers,
	fresh,
	new_campaign,
	numbers,
	point_settings_at,
	start_worker,
	states,
	stop,
)
from whatsapp_integration.tests.utils import ensure_user

PORT = int(os.environ.get("WHATSAPP_CAMPAIGN_TEST_PORT") or free_port())
LOG = "WhatsApp Message Log"
MANAGER = "campaign-manager@example.com"


class TestCampaignsOnTheBench(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.graph = FakeGraphProcess(PORT)
		point_settings_at(cls.graph)
		ensure_user(MANAGER, ("WhatsApp Manager",))
		cls.worker = start_worker()

	@classmethod
	def tearDownClass(cls) -> None:
		stop(cls.worker)
		cls.graph.stop()
		super().tearDownClass()

	def setUp(self) -> None:
		point_settings_at(self.graph)
		self.graph.reset()
		clear_dispatchers()
		frappe.db.sql(
			"update `tabWhatsApp Campaign` set status = 'Cancelled' where status in ('Running', 'Paused', 'Scheduled')"
		)
		frappe.db.commit()

	def wait_for_status(self, name: str, status: str, timeout: float = 300) -> None:
		"""Deadlines are generous: a busy 2-core machine is slow, a condition met returns at once.
		The long queue is shared by every site of the bench: a dispatcher job may wait behind other
		sites' jobs past its lease or die in another test's worker. Every 15 s the test also runs
		what the scheduler runs each minute (a device without a live dispatcher gets one)."""
		next_tick = time.monotonic() + 15

		def reached() -> bool:
			nonlocal next_tick
			if time.monotonic() >= next_tick:
				site_campaigns.run_scheduler_tick()
				frappe.db.commit()  # the dispatcher is enqueued after the commit
				next_tick = time.monotonic() + 15
			return fresh(CAMPAIGN, name, "status") == status

		wait_until(reached, timeout, f"{name} to be {status}")

	def test_a_scheduled_campaign_starts_at_its_time_and_not_before(self) -> None:
		start_at = add_to_date(now_datetime(), seconds=4)
		name = new_campaign(numbers(5, start=50000), scheduled_start=start_at)
		self.assertEqual(api.start(name)["status"], "Scheduled")
		site_campaigns.run_scheduler_tick()
		self.assertEqual(fresh(CAMPAIGN, name, "status"), "Scheduled")
		time.sleep(2)
		site_campaigns.run_scheduler_tick()
		self.assertEqual((fresh(CAMPAIGN, name, "status"), len(self.graph.requests())), ("Scheduled", 0))
		wait_until(lambda: now_datetime() >= start_at, 10, "the start time")
		site_campaigns.run_scheduler_tick()
		frappe.db.commit()
		self.wait_for_status(name, "Completed", 180)
		self.assertEqual(len(self.graph.requests()), 5)

	def test_a_thousand_recipients_complete_with_the_right_counts(self) -> None:
		extra = [RecipientInput("12345", "Bad number"), *numbers(3, start=10000)]
		name = new_campaign([*numbers(1000, start=10000), *extra])
		self.assertEqual(states(name), {"Pending": 1000, "Skipped": 4})
		api.start(name)
		frappe.db.commit()
		self.wait_for_status(name, "Completed", 600)
		self.assertEqual(states(name), {"Sent": 1000, "Skipped": 4})
		sent_to = self.graph.sent_to()
		self.assertEqual((sum(sent_to.values()), len(sent_to)), (1000, 1000))
		logs = frappe.db.count("WhatsApp Message Log", {"idempotency_key": ("like", f"campaign:{name}:%")})
		self.assertEqual(logs, 1000)
		self.assertEqual(api.progress(name)["percent"], 100.0)

	def test_a_killed_worker_resumes_with_zero_duplicates(self) -> None:
		victim = start_worker("victim")
		stop(self.worker)
		try:
			name = new_campaign(numbers(600, start=20000), throughput_cap=100)
			api.start(name)
			frappe.db.commit()
			wait_until(lambda: len(self.graph.requests()) >= 150, 180, "the first sends")
			os.killpg(victim.pid, signal.SIGKILL)
			victim.wait()
			before = len(self.graph.requests())
			self.assertLess(before, 600, "killed mid-run")
		finally:
			type(self).worker = start_worker()
		wait_until(lambda: self._tick_until_done(name), 300, "the resumed campaign to finish")
		sent_to = self.graph.sent_to()
		self.assertEqual(max(sent_to.values()), 1, "no number got two messages")
		counts = states(name)
		in_doubt = frappe.db.count(RECIPIENT, {"campaign": name, "last_error": IN_DOUBT_REASON})
		self.assertEqual(counts.get("Sent", 0) + in_doubt, 600)
		self.assertEqual(counts.get("Failed", 0), in_doubt)
		self.assertLessEqual(in_doubt, 1, "at most the one request in flight is in doubt")
		self.assertGreaterEqual(sum(sent_to.values()), counts["Sent"])

	def _tick_until_done(self, name: str) -> bool:
		site_campaigns.run_scheduler_tick()
		frappe.db.commit()
		time.sleep(1)
		return fresh(CAMPAIGN, name, "status") == "Completed"

	def test_pause_resume_and_cancel(self) -> None:
		point_settings_at(self.graph, campaign_batch_size=5)
		name = new_campaign(numbers(300, start=30000), throughput_cap=40)
		api.start(name)
		frappe.db.commit()
		wait_until(lambda: len(self.graph.requests()) >= 20, 180, "the first sends")
		api.pause(name)
		frappe.db.commit()
		time.sleep(1)
		paused_at = len(self.graph.requests())
		time.sleep(2)
		self.assertEqual(len(self.graph.requests()), paused_at, "nothing is sent while paused")
		self.assertEqual(fresh(CAMPAIGN, name, "status"), "Paused")
		api.resume(name)
		frappe.db.commit()
		wait_until(lambda: len(self.graph.requests()) >= paused_at + 20, 180, "sending after resume")
		api.cancel(name)
		frappe.db.commit()
		time.sleep(1)
		cancelled_at = len(self.graph.requests())
		time.sleep(2)
		self.assertEqual(len(self.graph.requests()), cancelled_at)
		self.assertLess(cancelled_at, 300)
		self.assertEqual(fresh(CAMPAIGN, name, "status"), "Cancelled")
		self.assertEqual(max(self.graph.sent_to().values()), 1)
		self.assertRaises(frappe.ValidationError, api.resume, name)

	def test_a_wamid_returned_twice_does_not_stall_the_campaign(self) -> None:
		start = 100000 + int(frappe.generate_hash(length=5), 16) % 1000 * 1000  # numbers of its own
		name = new_campaign(numbers(20, start=start))
		self.graph.repeat_wamid(1)
		api.start(name)
		frappe.db.commit()
		self.wait_for_status(name, "Completed", 300)
		self.assertEqual(states(name), {"Sent": 20})
		odd = frappe.get_all(
			RECIPIENT,
			filters={"campaign": name, "last_error": ("is", "set")},
			fields=["wamid", "last_error", "message_log"],
		)
		self.assertEqual(len(odd), 1, "the row whose wamid came back twice")
		self.assertEqual(odd[0].last_error, duplicate_wamid_reason(odd[0].wamid))
		log = frappe.db.get_value(LOG, odd[0].message_log, ["wamid", "error_reason"], as_dict=True)
		self.assertEqual((log.wamid, log.error_reason), (None, odd[0].last_error))
		self.assertEqual(frappe.db.count(LOG, {"idempotency_key": ("like", f"campaign:{name}:%")}), 20)

	def test_auto_pause_notifies_the_managers(self) -> None:
		point_settings_at(self.graph, campaign_failure_window=10, campaign_batch_size=5)
		name = new_campaign(numbers(100, start=40000))
		self.graph.fail(131009, times=10)
		api.start(name)
		frappe.db.commit()
		self.wait_for_status(name, "Paused", 180)
		reason = fresh(CAMPAIGN, name, "status_reason")
		self.assertTrue(reason.startswith("10 of the last 10 messages failed"), reason)
		self.assertLessEqual(len(self.graph.requests()), 15)
		wait_until(lambda: bool(self._notices(name)), 120, "the managers' notification")
		notices = self._notices(name)
		self.assertEqual(len(notices), 1)
		self.assertIn("was paused", notices[0])

	def _notices(self, name: str) -> list[str]:
		frappe.db.rollback()  # the worker notifies just after it commits the pause
		return frappe.get_all(
			"Notification Log", filters={"for_user": MANAGER, "document_name": name}, pluck="subject"
		)
