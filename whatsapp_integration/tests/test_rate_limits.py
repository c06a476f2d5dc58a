"""Per-user limits on what starts work: device links (a browser each) and campaign starts.
Each test acts as a new user, so the shared Redis buckets of earlier runs do not count."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from whatsapp_integration.api import campaigns, devices
from whatsapp_integration.tests.campaign_utils import CAMPAIGN, new_campaign
from whatsapp_integration.tests.utils import TEST_DEVICE, configure_settings, ensure_test_device, ensure_user


class TestRateLimits(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_test_device()

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
		configure_settings()

	def test_the_third_campaign_start_in_a_minute_is_refused_with_429(self) -> None:
		configure_settings(user_campaign_start_limit_per_minute=2)
		later = now_datetime() + timedelta(days=30)  # Scheduled: nothing is sent
		names = [new_campaign([], scheduled_start=later) for _ in range(3)]
		frappe.set_user(_new_manager())
		try:
			for name in names[:2]:
				self.assertEqual(campaigns.start(name)["status"], "Scheduled")
			with self.assertRaisesRegex(
				frappe.RateLimitExceededError, "limit of 2 campaign starts per minute"
			):
				campaigns.start(names[2])
			self.assertEqual(frappe.db.get_value(CAMPAIGN, names[2], "status"), "Draft")
		finally:
			frappe.set_user("Administrator")
			for name in names:
				frappe.db.set_value(CAMPAIGN, name, "status", "Cancelled")
			frappe.db.commit()

	def test_the_third_device_link_in_a_minute_is_refused_with_429(self) -> None:
		configure_settings(user_link_limit_per_minute=2)
		frappe.set_user(_new_manager())
		for link in (devices.start_session, devices.relink):
			# An Official device cannot link; the attempt is refused, but it counts.
			with self.assertRaises(frappe.ValidationError) as refused:
				link(TEST_DEVICE)
			self.assertNotIsInstance(refused.exception, frappe.RateLimitExceededError)
		with self.assertRaisesRegex(frappe.RateLimitExceededError, "limit of 2 device links per minute"):
			devices.start_session(TEST_DEVICE)
		self.assertEqual(frappe.RateLimitExceededError.http_status_code, 429)


def _new_manager() -> str:
	return ensure_user(f"rate-limit-{frappe.generate_hash(length=10)}@example.com", ("WhatsApp Manager",))
