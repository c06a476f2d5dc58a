"""Number health and multi-device campaigns on the bench, against the fake Graph API in its own
process (port WHATSAPP_NUMBER_HEALTH_TEST_PORT, default a free one): the hourly check and Meta's quality
webhook update the devices and alert the managers; a campaign of 1,000 recipients over two
devices with capacities 300 and 1,000 sends each recipient exactly once within them."""

from __future__ import annotations

import json
import os
from collections import Counter

import frappe
import requests
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration import tasks
from whatsapp_integration.api import number_health as number_health_api
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.site import campaigns as site_campaigns
from whatsapp_integration.site.services import webhook_service
from whatsapp_integration.testing.processes import free_port
from whatsapp_integration.tests.campaign_utils import (
	FakeGraphProcess,
	approved_template,
	new_campaign,
	numbers,
	point_settings_at,
	states,
)
from whatsapp_integration.tests.utils import TEST_TOKEN, ensure_device, ensure_user, unique_digits

PORT = int(os.environ.get("WHATSAPP_NUMBER_HEALTH_TEST_PORT") or free_port())
MANAGER = "number-health-manager@example.com"
READER = "number-health-reader@example.com"
DEVICE = "WhatsApp Device"


class TestNumberHealthAndMultiDeviceCampaigns(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.graph = FakeGraphProcess(PORT)
		point_settings_at(cls.graph)
		ensure_user(MANAGER, ("WhatsApp Manager",))

	@classmethod
	def tearDownClass(cls) -> None:
		cls.graph.stop()
		super().tearDownClass()

	def setUp(self) -> None:
		self.graph.reset()
		run = frappe.generate_hash(length=6)
		self.small, self.large = f"_Test Health A {run}", f"_Test Health B {run}"
		self.ids = {self.small: unique_digits(15), self.large: unique_digits(15)}
		self.phones = {self.small: f"+4478{unique_digits(8)}", self.large: f"+4478{unique_digits(8)}"}
		for device, cap in ((self.small, 300), (self.large, 0)):
			ensure_device(
				device, phone_number_id=self.ids[device], phone_number=self.phones[device], daily_cap=cap
			)
			self.script(device, messaging_limit_tier="TIER_1K", quality_rating="GREEN")

	def script(self, device: str, **fields: str) -> None:
		"""What the fake Graph API answers for the device's phone number node."""
		requests.post(
			f"{self.graph.url}/_fake_numbers/{self.ids[device]}",
			json=fields,
			headers={"Authorization": f"Bearer {TEST_TOKEN}"},
			timeout=10,
		).raise_for_status()

	def health(self, device: str) -> frappe._dict:
		frappe.db.rollback()
		fields = [
			"quality_rating",
			"messaging_limit_tier",
			"number_status",
			"health_checked_at",
			"health_error",
		]
		return frappe.db.get_value(DEVICE, device, fields, as_dict=True)

	def alerts_about(self, device: str) -> list[str]:
		return frappe.get_all(
			"Notification Log",
			filters={"for_user": MANAGER, "link": f"/app/whatsapp-device/{device}"},
			pluck="subject",
		)

	def test_the_hourly_check_stores_health_and_alerts_on_a_drop(self) -> None:
		tasks.refresh_number_health()
		self.assertEqual(self.health(self.small).messaging_limit_tier, "TIER_1K")
		self.assertEqual(self.alerts_about(self.small), [])
		self.script(self.small, quality_rating="RED", status="FLAGGED")
		tasks.refresh_number_health()
		health = self.health(self.small)
		self.assertEqual((health.quality_rating, health.number_status), ("RED", "FLAGGED"))
		self.assertTrue(health.health_checked_at)
		subjects = self.alerts_about(self.small)
		self.assertTrue(any("quality rating dropped to RED" in subject for subject in subjects), subjects)
		standing = site_campaigns.campaign_router().standing(self.small)
		self.assertIn("RED", standing.unhealthy or "")

	def test_check_now_needs_write_permission_on_the_device(self) -> None:
		self.script(self.large, messaging_limit_tier="TIER_10K")
		answer = number_health_api.refresh(self.large)
		self.assertEqual(answer["health"]["messaging_limit_tier"], "TIER_10K")
		self.assertEqual(self.health(self.large).messaging_limit_tier, "TIER_10K")
		frappe.set_user(ensure_user(READER, ("WhatsApp User",)))
		try:
			with self.assertRaises(frappe.PermissionError):
				number_health_api.refresh(self.large)
		finally:
			frappe.set_user("Administrator")

	def test_an_expired_token_is_kept_as_the_health_error(self) -> None:
		error = {"message": "Error validating access token", "type": "OAuthException", "code": 190}
		self.script(self.small, error=error, http_status=401)
		tasks.refresh_number_health()
		self.assertIn("190", self.health(self.small).health_error or "")
		self.assertTrue(site_campaigns.campaign_router().standing(self.small).unhealthy)

	def test_a_quality_webhook_updates_the_device_and_alerts(self) -> None:
		tasks.refresh_number_health()
		value = {
			"display_phone_number": self.phones[self.large].lstrip("+"),
			"event": "DOWNGRADE",
			"old_limit": "TIER_1K",
			"current_limit": "TIER_250",
		}
		body = {
			"object": "whatsapp_business_account",
			"entry": [{"id": "WABA", "changes": [{"field": "phone_number_quality_update", "value": value}]}],
		}
		result = webhook_service().process(json.dumps(body).encode())
		frappe.db.commit()  # as the webhook inbox does after each event
		self.assertEqual(result.number_updates, 1)
		self.assertEqual(self.health(self.large).messaging_limit_tier, "TIER_250")
		subjects = self.alerts_about(self.large)
		self.assertTrue(any("messaging limit changed to TIER_250" in s for s in subjects), subjects)

	def test_two_devices_send_a_thousand_recipients_once_within_their_capacities(self) -> None:
		tasks.refresh_number_health()  # both TIER_1K; the small one has a daily cap of 300
		devices = [{"device": self.small}, {"device": self.large}]
		name = new_campaign(
			numbers(1000, start=50000),
			devices=devices,
			message_type="template",
			template=approved_template("c3_spring_offer", "Our spring offer is here."),
		)
		site_campaigns.campaign_service().start(name)
		frappe.db.commit()
		routed = Counter(
			frappe.get_all("WhatsApp Campaign Recipient", filters={"campaign": name}, pluck="device")
		)
		self.assertEqual(sum(routed.values()), 1000)
		self.assertLessEqual(routed[self.small], 300)
		self.assertLessEqual(routed[self.large], 1000)
		for device in (self.small, self.large):
			site_campaigns.dispatch(device, keep_alive=False)
		self.assertEqual(states(name), {"Sent": 1000})
		requests_made = self.graph.requests()
		sent_to = Counter(request["body"]["to"] for request in requests_made)
		self.assertEqual((sum(sent_to.values()), len(sent_to)), (1000, 1000))  # each exactly once
		by_number_id = Counter(request["path"].split("/")[-2] for request in requests_made)
		self.assertEqual(by_number_id[self.ids[self.small]], routed[self.small])
		self.assertEqual(by_number_id[self.ids[self.large]], routed[self.large])
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("WhatsApp Campaign", name, "status"), CampaignStatus.COMPLETED)
		progress = site_campaigns.campaign_service().progress(name)["devices"]
		self.assertEqual(progress[self.small], {"Sent": routed[self.small]})
		self.assertEqual(progress[self.large], {"Sent": routed[self.large]})
