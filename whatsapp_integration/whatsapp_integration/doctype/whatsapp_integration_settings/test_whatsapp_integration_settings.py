# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.settings import SETTINGS, get_config


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
