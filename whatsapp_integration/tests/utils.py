"""Fixtures for bench tests: Settings pointed at a fake Graph API, a device, users with roles.

The site keeps rows between runs and other suites register their own devices, so this run's
device has a name and phone number id of its own (`RUN_ID`, new in every test process).
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from whatsapp_integration.core.webhook_records import InboundRecord
from whatsapp_integration.repositories import message_log
from whatsapp_integration.site.doctypes import SETTINGS
from whatsapp_integration.site.settings import clear_config_cache
from whatsapp_integration.testing.fake_graph import FakeGraphApi


def unique_digits(length: int) -> str:
	"""`length` random digits (never starting with 0), from `frappe.generate_hash`."""
	return str(int(frappe.generate_hash(length=2 * length), 16))[-length:].replace("0", "1", 1)


RUN_ID = frappe.generate_hash(length=8)
TEST_TOKEN = "bench-test-token"
TEST_DEVICE = f"_Test WhatsApp Device {RUN_ID}"
TEST_PHONE_NUMBER_ID = unique_digits(15)
TEST_SYSTEM_MANAGER = "whatsapp-test-system-manager@example.com"


def start_fake_graph() -> FakeGraphApi:
	"""A fake Graph API in this process, with Settings and the test device pointing at it."""
	api = FakeGraphApi(access_token=TEST_TOKEN).start()
	configure_settings(graph_api_base_url=api.url, access_token=TEST_TOKEN)
	ensure_test_device()
	return api


def ensure_test_device() -> None:
	"""This run's Official device, the site's default (created on first use)."""
	ensure_device(TEST_DEVICE, phone_number_id=TEST_PHONE_NUMBER_ID, is_default=1)


def customer_wrote(number: str, device: str | None = None) -> None:
	"""The customer `number` wrote to `device` (this run's device) just now: their 24 h window is
	open, so free text and media may go to them (core/window.py)."""
	record = InboundRecord(
		wamid=f"wamid.{frappe.generate_hash(length=16)}",
		device=device or TEST_DEVICE,
		message_type="text",
		received_at=now_datetime(),
		from_number=number,
		text="Hello",
	)
	message_log.insert_inbound(record)


def configure_settings(**values: object) -> None:
	frappe.db.commit()  # a fresh snapshot: another process (a worker, a benchmark) may have saved Settings
	settings = frappe.get_single(SETTINGS)
	settings.update(
		{
			"user_send_limit_per_minute": 1000,
			"user_link_limit_per_minute": 1000,
			"user_campaign_start_limit_per_minute": 1000,
			"send_rate_per_second": 500,
			"send_burst": 500,
			**values,
		}
	)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	clear_config_cache()


def ensure_device(name: str, **values: object) -> None:
	if frappe.db.exists("WhatsApp Device", name):
		device = frappe.get_doc("WhatsApp Device", name)
	else:
		device = frappe.new_doc("WhatsApp Device")
		device.device_name = name
	device.update({"mode": "Official", "enabled": 1, "daily_cap": 0, **values})
	device.save(ignore_permissions=True)
	frappe.db.commit()


# Reused, not one per run: Frappe throttles creating users (60 an hour). ensure_user sets the roles.
DEVICE_READER = "wa-device-reader@example.com"
DEVICE_WRITER = "wa-device-writer@example.com"


def ensure_user(email: str, roles: tuple[str, ...]) -> str:
	"""A user with `roles` and no others of ours. Frappe makes the first user after Administrator
	a System Manager, so one test System Manager exists before any other test user."""
	if email != TEST_SYSTEM_MANAGER:
		ensure_user(TEST_SYSTEM_MANAGER, ("System Manager",))
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		# Frappe refuses a new user past `throttle_user_limit` (60) created within an hour: suites
		# that create their own users would fail on a site where other suites just ran.
		limit = frappe.local.conf.get("throttle_user_limit", 60)
		frappe.local.conf["throttle_user_limit"] = 1_000_000
		try:
			user.insert(ignore_permissions=True)
		finally:
			frappe.local.conf["throttle_user_limit"] = limit
	user = frappe.get_doc("User", email)
	user.add_roles(*roles)
	if "System Manager" not in roles:
		user.remove_roles("System Manager")
	frappe.db.commit()
	return email


class FakeGraphTestCase(FrappeTestCase):
	"""A site test with the fake Graph API running in this process for the whole class; each
	test starts with no recorded requests, acting as `acting_user`."""

	acting_user = "Administrator"
	graph: FakeGraphApi

	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		cls.graph = start_fake_graph()

	@classmethod
	def tearDownClass(cls) -> None:
		cls.graph.stop()
		frappe.set_user("Administrator")
		super().tearDownClass()

	def setUp(self) -> None:
		self.graph.reset()
		frappe.set_user(self.acting_user)

	def tearDown(self) -> None:
		frappe.set_user("Administrator")
