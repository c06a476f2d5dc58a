# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import uuid

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.tests.utils import ensure_user

LOG = "WhatsApp Message Log"


class TestWhatsAppMessageLog(FrappeTestCase):
	def test_whatsapp_user_sees_only_own_messages_manager_sees_all(self) -> None:
		alice = ensure_user("log-alice@example.com", ("WhatsApp User",))
		bob = ensure_user("log-bob@example.com", ("WhatsApp User",))
		manager = ensure_user("log-manager@example.com", ("WhatsApp Manager",))
		alices = self._insert_as(alice)
		bobs = self._insert_as(bob)
		frappe.set_user(alice)
		try:
			self.assertTrue(frappe.has_permission(LOG, "read", alices))
			self.assertFalse(frappe.has_permission(LOG, "read", bobs))
			frappe.set_user(manager)
			self.assertTrue(frappe.has_permission(LOG, "read", bobs))
			self.assertFalse(frappe.has_permission(LOG, "write", bobs))
		finally:
			frappe.set_user("Administrator")

	def _insert_as(self, user: str) -> str:
		frappe.set_user(user)
		try:
			record = MessageRecord(to_number="+919876543210", text="hi", idempotency_key=uuid.uuid4().hex)
			return FrappeMessageRepository(commit=False).insert_message(record).name or ""
		finally:
			frappe.set_user("Administrator")
