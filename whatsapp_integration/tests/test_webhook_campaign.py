"""Issue 10 item 12, the campaign side, on a real site: a failure Meta reports by webhook for a
campaign message marks its recipient Failed with the code and reason when it is final, leaves it
open while the outbox resends a retryable one, and a STOP-class failure
(the account is locked) pauses the running campaign.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_webhook_campaign
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.policy import idempotency_key
from whatsapp_integration.repositories.campaigns import FrappeCampaignRepository
from whatsapp_integration.site.doctypes import MESSAGE_LOG as LOG
from whatsapp_integration.tests.campaign_utils import CAMPAIGN, RECIPIENT, new_campaign
from whatsapp_integration.tests.test_webhook import process_through_inbox
from whatsapp_integration.tests.test_webhook_hardening import failed, statuses_body
from whatsapp_integration.tests.webhook_utils import DEVICE, configure_webhook, create_outbound, unique_number


class TestWebhookCampaignFailures(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_webhook()

	def running_campaign_with_a_sent_message(self) -> tuple[str, str, str]:
		"""A Running campaign of this run's webhook device whose one recipient was sent a message
		with wamid `wamid`: (campaign, recipient, wamid). Cancelled after the test."""
		number = "+" + unique_number()
		campaign = new_campaign([RecipientInput(number, "Ada")], device=DEVICE)
		self.addCleanup(_cancel, campaign)
		recipient = frappe.db.get_value(RECIPIENT, {"campaign": campaign}, ["name", "run"], as_dict=True)
		wamid = f"wamid.{frappe.generate_hash()}"
		key = idempotency_key(campaign, recipient.name, recipient.run)
		log = create_outbound(wamid, to_number=number, idempotency_key=key, attempts=1)
		frappe.db.set_value(RECIPIENT, recipient.name, {"state": "Sent", "wamid": wamid, "message_log": log})
		frappe.db.set_value(CAMPAIGN, campaign, "status", "Running")
		frappe.db.commit()
		return campaign, recipient.name, wamid

	def test_an_undeliverable_message_is_resent_and_its_recipient_stays_open(self) -> None:
		"""A retryable failure puts the log back in the outbox under the same key: its recipient is
		not Failed (old: Failed, and never moved back when the resend succeeded) but shows Sending."""
		campaign, recipient, wamid = self.running_campaign_with_a_sent_message()
		process_through_inbox(statuses_body(failed(wamid, 131026, 1764000100)))
		row = frappe.db.get_value(
			RECIPIENT, recipient, ["state", "error_code", "last_error", "message_log"], as_dict=True
		)
		self.assertEqual((row.state, row.error_code), ("Sent", 131026))
		self.assertIn("could not deliver", row.last_error)
		self.assertEqual(frappe.db.get_value(LOG, row.message_log, "status"), "Queued")
		self.assertEqual(FrappeCampaignRepository().progress(campaign), {"Sending": 1})
		frappe.db.set_value(LOG, row.message_log, "status", "Delivered")  # the resend got through
		self.assertEqual(FrappeCampaignRepository().progress(campaign), {"Delivered": 1})
		self.assertEqual(frappe.db.get_value(CAMPAIGN, campaign, "status"), "Running")

	def test_a_final_failure_marks_its_recipient_failed(self) -> None:
		campaign, recipient, wamid = self.running_campaign_with_a_sent_message()
		process_through_inbox(statuses_body(failed(wamid, 131047, 1764000100)))
		row = frappe.db.get_value(RECIPIENT, recipient, ["state", "error_code"], as_dict=True)
		self.assertEqual((row.state, row.error_code), ("Failed", 131047))
		self.assertEqual(frappe.db.get_value(CAMPAIGN, campaign, "status"), "Running")

	def test_a_locked_account_fails_the_recipient_and_pauses_the_campaign(self) -> None:
		campaign, recipient, wamid = self.running_campaign_with_a_sent_message()
		process_through_inbox(statuses_body(failed(wamid, 131031, 1764000100)))
		row = frappe.db.get_value(RECIPIENT, recipient, ["state", "error_code"], as_dict=True)
		self.assertEqual((row.state, row.error_code), ("Failed", 131031))
		status, reason = frappe.db.get_value(CAMPAIGN, campaign, ["status", "status_reason"])
		self.assertEqual(status, "Paused")
		self.assertIn("locked", reason)

	def test_a_redelivered_failure_changes_nothing_more(self) -> None:
		campaign, _recipient, wamid = self.running_campaign_with_a_sent_message()
		body = statuses_body(failed(wamid, 131031, 1764000100))
		process_through_inbox(body)
		frappe.db.set_value(CAMPAIGN, campaign, "status", "Running")  # resumed by the manager
		frappe.db.commit()
		process_through_inbox(body)
		self.assertEqual(frappe.db.get_value(CAMPAIGN, campaign, "status"), "Running")


def _cancel(campaign: str) -> None:
	frappe.db.set_value(CAMPAIGN, campaign, "status", "Cancelled")
	frappe.db.commit()
