# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.tests.utils import unique_digits


class TestWhatsAppOptOut(FrappeTestCase):
	def test_number_typed_any_way_is_stored_once_in_e164(self) -> None:
		local = "98" + unique_digits(8)  # a number no other run opted out
		frappe.get_doc({"doctype": "WhatsApp Opt Out", "number": f"0091 {local[:5]} {local[5:]}"}).insert()
		self.assertTrue(frappe.db.exists("WhatsApp Opt Out", f"+91{local}"))
		with self.assertRaises(frappe.DuplicateEntryError):
			frappe.get_doc({"doctype": "WhatsApp Opt Out", "number": f"+91 {local[:5]}-{local[5:]}"}).insert()
