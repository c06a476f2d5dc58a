"""Messages a WhatsApp Web session read reach the site through the webhook inbox (what the
session host's relay thread calls): stored on the Web device, once per WhatsApp Web id.

Run: CI=1 bench --site a4.localhost run-tests --module whatsapp_integration.tests.test_web_inbound
"""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.core.web.inbound import read_web_message
from whatsapp_integration.site.doctypes import MESSAGE_LOG
from whatsapp_integration.site.web_inbound import record_web_messages
from whatsapp_integration.tests.utils import ensure_device, unique_digits

DEVICE = "_Test Web Receiving Device"


class TestWebInbound(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_device(DEVICE, mode="Web", phone_number="+4915112345678", is_default=0)

	def test_read_messages_are_stored_once_on_the_web_device(self) -> None:
		number = "49176" + unique_digits(8)
		ids = [f"false_{number}@c.us_3EB0{frappe.generate_hash(length=12).upper()}" for _ in range(2)]
		messages = [
			read_web_message(
				{"id": ids[0], "text": "<img src=x onerror=alert(1)>", "kind": "text"}, "Kim", 1764000000
			),
			read_web_message({"id": ids[1], "text": "", "kind": "image"}, "Kim", 1764000001),
		]
		record_web_messages(DEVICE, messages)
		record_web_messages(DEVICE, messages)  # read again: nothing new
		rows = frappe.get_all(
			MESSAGE_LOG,
			filters={"wamid": ("in", ids)},
			fields=[
				"wamid",
				"device",
				"direction",
				"from_number",
				"profile_name",
				"message_type",
				"text",
				"media_status",
			],
			order_by="wamid",
		)
		self.assertEqual(len(rows), 2)
		by_id = {row.wamid: row for row in rows}
		text, image = by_id[ids[0]], by_id[ids[1]]
		self.assertEqual((text.device, text.direction, text.from_number), (DEVICE, "Inbound", f"+{number}"))
		self.assertEqual((text.profile_name, text.text), ("Kim", "<img src=x onerror=alert(1)>"))
		self.assertEqual((image.message_type, image.text, image.media_status), ("image", "[image]", None))
