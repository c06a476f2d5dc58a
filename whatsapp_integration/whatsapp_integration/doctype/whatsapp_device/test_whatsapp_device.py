# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.tests.utils import ensure_device


class TestWhatsAppDevice(FrappeTestCase):
	def test_phone_number_is_stored_in_e164(self) -> None:
		ensure_device("_Test Device Phone", phone_number_id="42", phone_number="+91 98765-43210")
		self.assertEqual(
			frappe.db.get_value("WhatsApp Device", "_Test Device Phone", "phone_number"), "+919876543210"
		)

	def test_invalid_phone_number_is_refused_with_the_reason(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			ensure_device("_Test Device Bad Phone", phone_number_id="42", phone_number="+91 123")
		self.assertIn("+91 123", str(caught.exception))

	def test_official_device_needs_a_phone_number_id(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			ensure_device("_Test Device No Id", phone_number_id="")
		self.assertIn("Phone Number ID", str(caught.exception))

	def test_only_one_device_is_the_default(self) -> None:
		ensure_device("_Test Device A", phone_number_id="1", is_default=1)
		ensure_device("_Test Device B", phone_number_id="2", is_default=1)
		defaults = frappe.get_all("WhatsApp Device", filters={"is_default": 1}, pluck="name")
		self.assertEqual(defaults, ["_Test Device B"])
