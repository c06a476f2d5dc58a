# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.site.doctypes import SETTINGS
from whatsapp_integration.site.settings import get_config
from whatsapp_integration.tests.utils import ensure_user

MANAGER = "whatsapp-settings-manager@example.com"
GUARDED = {
	"chrome_options": "--headless=new\n--mute-audio",
	"chrome_binary": "/tmp/not-chromium",
	"chromedriver_path": "/tmp/not-chromedriver",
	"selenium_grid_url": "http://grid.invalid:4444",
	"graph_api_base_url": "http://tokens.invalid",
}


class TestWhatsAppIntegrationSettings(FrappeTestCase):
	def test_out_of_range_value_is_refused_naming_the_field(self) -> None:
		settings = frappe.get_single(SETTINGS)
		settings.request_timeout = -1
		with self.assertRaises(frappe.ValidationError) as caught:
			settings.save()
		self.assertIn("Request timeout", str(caught.exception))

	def test_saved_values_reach_the_config_at_once(self) -> None:
		settings = frappe.get_single(SETTINGS)
		original = settings.max_retry_attempts
		try:
			settings.max_retry_attempts = original + 2
			settings.save()
			self.assertEqual(get_config().max_retry_attempts, original + 2)
		finally:
			settings.reload()
			settings.max_retry_attempts = original
			settings.save()

	def test_secrets_come_from_password_fields_and_stay_out_of_repr(self) -> None:
		settings = frappe.get_single(SETTINGS)
		settings.app_secret = "s3cr3t-for-test"
		settings.save()
		self.assertEqual(get_config().app_secret, "s3cr3t-for-test")
		self.assertNotIn("s3cr3t-for-test", repr(get_config()))
		self.assertNotEqual(frappe.db.get_single_value(SETTINGS, "app_secret"), "s3cr3t-for-test")

	def test_default_country_becomes_a_region_code(self) -> None:
		settings = frappe.get_single(SETTINGS)
		settings.default_country = "India"
		settings.save()
		try:
			self.assertEqual(get_config().default_country, "IN")
		finally:
			settings.default_country = None
			settings.save()

	def test_whatsapp_manager_cannot_change_fields_that_run_code_or_receive_tokens(self) -> None:
		ensure_user(MANAGER, ("WhatsApp Manager",))
		before = {field: frappe.db.get_single_value(SETTINGS, field) for field in GUARDED}
		frappe.set_user(MANAGER)
		try:
			settings = frappe.get_single(SETTINGS)
			settings.update({**GUARDED, "max_retry_attempts": 4})
			settings.save()
		finally:
			frappe.set_user("Administrator")
		after = {field: frappe.db.get_single_value(SETTINGS, field) for field in GUARDED}
		self.assertEqual(after, before)
		self.assertEqual(frappe.db.get_single_value(SETTINGS, "max_retry_attempts"), 4)

	def test_system_manager_sets_them_and_is_warned_about_another_graph_host(self) -> None:
		settings = frappe.get_single(SETTINGS)
		original = {field: settings.get(field) for field in GUARDED}
		frappe.clear_messages()
		try:
			settings.update(GUARDED)
			settings.save()
			stored = {field: frappe.db.get_single_value(SETTINGS, field) for field in GUARDED}
			self.assertEqual(stored, GUARDED)
			self.assertIn("tokens.invalid", " ".join(str(m) for m in frappe.get_message_log()))
			self.assertEqual(get_config().chrome_options, ("--headless=new", "--mute-audio"))
		finally:
			settings.reload()
			settings.update(original)
			settings.save()

	def test_chrome_switch_that_runs_a_program_is_refused_by_name(self) -> None:
		settings = frappe.get_single(SETTINGS)
		settings.chrome_options = "--headless=new\n--renderer-cmd-prefix=/bin/sh -c id"
		with self.assertRaises(frappe.ValidationError) as caught:
			settings.save()
		self.assertIn("--renderer-cmd-prefix", str(caught.exception))
		self.assertNotIn("renderer-cmd-prefix", frappe.db.get_single_value(SETTINGS, "chrome_options") or "")
