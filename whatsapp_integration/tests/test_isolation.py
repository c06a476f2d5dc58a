"""Bench tests hold on a site where other suites left devices with the ids these tests once fixed
(issue 10, item 16): a foreign device with the old test phone number id "100200300", and one with
the fixture bodies' phone number id, exist before the set-up; messages and webhooks still land
on this run's devices.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_isolation
"""

from __future__ import annotations

import frappe

from whatsapp_integration.api import messages
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.test_webhook import process_through_inbox
from whatsapp_integration.tests.utils import (
	TEST_DEVICE,
	TEST_PHONE_NUMBER_ID,
	FakeGraphTestCase,
	customer_wrote,
	ensure_device,
	unique_digits,
)
from whatsapp_integration.tests.webhook_utils import (
	DEVICE,
	configure_webhook,
	create_outbound,
	fresh_fixture,
	message_logs,
)

# The phone number ids bench tests used before they made their own
OLD_PHONE_NUMBER_IDS = ("100200300", payloads.PHONE_NUMBER_ID)


class TestBesideForeignDevices(FakeGraphTestCase):
	foreign: list[str]

	@classmethod
	def setUpClass(cls) -> None:
		cls.foreign = []
		for phone_number_id in OLD_PHONE_NUMBER_IDS:
			name = f"_Test Foreign Device {frappe.generate_hash(length=8)}"
			ensure_device(name, phone_number_id=phone_number_id, is_default=1)
			cls.foreign.append(name)
		super().setUpClass()
		configure_webhook()

	@classmethod
	def tearDownClass(cls) -> None:
		for name in cls.foreign:
			frappe.delete_doc("WhatsApp Device", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_a_send_goes_out_from_this_runs_device(self) -> None:
		number = "+9198" + unique_digits(8)
		customer_wrote(number)
		result = messages.send(number, "Hello")
		self.assertEqual(
			frappe.db.get_value("WhatsApp Message Log", result["message_log"], "device"), TEST_DEVICE
		)
		self.assertEqual(self.graph.message_requests()[-1].path.split("/")[-2], TEST_PHONE_NUMBER_ID)

	def test_webhook_fixtures_land_on_this_runs_device(self) -> None:
		raw, expect, _run = fresh_fixture("mixed_batch")
		for wamid in expect["statuses"]:
			create_outbound(wamid)
		process_through_inbox(raw)
		rows = message_logs(expect["inbound"])
		self.assertEqual(sorted(rows), sorted(expect["inbound"]))
		self.assertEqual({row.device for row in rows.values()}, {DEVICE})
		for wamid, status in expect["statuses"].items():
			self.assertEqual(
				frappe.db.get_value("WhatsApp Message Log", {"wamid": wamid}, "status").lower(), status
			)
