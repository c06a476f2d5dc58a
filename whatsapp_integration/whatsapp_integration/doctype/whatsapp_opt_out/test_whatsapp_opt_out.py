# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase


class TestWhatsAppOptOut(FrappeTestCase):
	def test_number_typed_any_way_is_stored_once_in_e164(self) -> None:
		frappe.db.delete("WhatsApp Opt Out", {"name": "+919811122233"})
		frappe.get_doc({"doctype": "WhatsApp Opt Out", "number": "0091 98111 22233"}).insert()
		self.assertTrue(frappe.db.exists("WhatsApp Opt Out", "+919811122233"))
		with self.assertRaises(frappe.DuplicateEntryError):
			frappe.get_doc({"doctype": "WhatsApp Opt Out", "number": "+91 98111-22233"}).insert()
