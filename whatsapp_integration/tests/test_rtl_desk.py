"""The desk in Persian and Arabic (issue #15): phone numbers on a document's timeline read left to
right (escaped and isolated in <bdi dir="ltr"> inside the translated sentence), and the analytics
report answers each user in their language (its cached figures hold translated words); the
assignee's bell notification and the app's messages (errors, alerts) isolate each value.

Run: CI=1 bench --site <site> run-tests --module whatsapp_integration.tests.test_rtl_desk
"""

from __future__ import annotations

import frappe

from whatsapp_integration.core import i18n
from whatsapp_integration.core.conversation import ConversationState
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.site import conversation_assignment
from whatsapp_integration.site.desk import ltr_html, timeline_content
from whatsapp_integration.site.errors import translated
from whatsapp_integration.tests import webhook_utils
from whatsapp_integration.tests.test_conversations import receive
from whatsapp_integration.tests.utils import FakeGraphTestCase, configure_settings, ensure_user
from whatsapp_integration.whatsapp_integration.report.whatsapp_message_analytics import (
	whatsapp_message_analytics as analytics_report,
)


def isolated(number: str) -> str:
	return f'<bdi dir="ltr" class="whatsapp-ltr">{number}</bdi>'


class TestRtlDesk(FakeGraphTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		webhook_utils.configure_webhook()

	def _contact(self, number: str) -> str:
		doc = {
			"doctype": "Contact",
			"first_name": f"RTL {frappe.generate_hash(length=6)}",
			"phone_nos": [{"phone": number, "is_primary_mobile_no": 1}],
		}
		return frappe.get_doc(doc).insert(ignore_permissions=True).name

	def test_the_number_of_a_customer_without_a_profile_name_reads_left_to_right(self) -> None:
		wa_id = webhook_utils.unique_number()
		contact = self._contact("+" + wa_id)
		receive(wa_id, "سلام", name="")
		html = "".join(item["content"] for item in timeline_content("Contact", contact))
		self.assertIn(f"WhatsApp from {isolated('+' + wa_id)}", html)

	def test_the_number_a_message_went_to_reads_left_to_right(self) -> None:
		number = "+" + webhook_utils.unique_number()
		contact = self._contact(number)
		record = MessageRecord(to_number=number, device=webhook_utils.DEVICE, text="Hi", status="Sent")
		record.created_at, record.idempotency_key = frappe.utils.now_datetime(), frappe.generate_hash()
		record.reference_doctype, record.reference_name = "Contact", contact
		FrappeMessageRepository().insert_message(record)
		html = "".join(item["content"] for item in timeline_content("Contact", contact))
		self.assertIn(f"WhatsApp to {isolated(number)}", html)

	def test_only_the_wrapper_is_markup(self) -> None:
		self.assertEqual(ltr_html('+31 <b onclick="x">'), isolated("+31 &lt;b onclick=&quot;x&quot;&gt;"))
		self.assertEqual(ltr_html(None), "")

	def test_the_analytics_report_answers_in_the_users_language(self) -> None:
		configure_settings(stats_cache_ttl=300)  # an English answer cached first
		today = frappe.utils.today()
		filters = {"from_date": frappe.utils.add_days(today, -2), "to_date": today}
		shown = {}
		try:
			for lang in ("en", "fa"):
				frappe.local.lang = lang
				columns, _data, _message, _chart, summary = analytics_report.execute(filters)
				shown[lang] = (columns[0]["label"], summary[0]["label"])
		finally:
			frappe.local.lang = "en"
		self.assertEqual(shown["en"], ("Date", "Messages"))
		self.assertEqual(shown["fa"], (frappe._("Date", lang="fa"), frappe._("Messages", lang="fa")))
		self.assertNotEqual(shown["fa"], shown["en"])

	def test_the_assignees_notification_isolates_the_customers_number(self) -> None:
		user = ensure_user(f"wa-rtl-{frappe.generate_hash(length=6)}@example.com", ("WhatsApp User",))
		name = frappe.generate_hash(length=10)
		state = ConversationState(
			device=webhook_utils.DEVICE, conversation_key=name, title="+31 6 <b>", assigned_to=user, name=name
		)
		conversation_assignment.notify_assignee(state, "Hi")
		subject = frappe.db.get_value(
			"Notification Log", {"for_user": user, "document_name": name}, "subject"
		)
		self.assertEqual(subject, "New WhatsApp message from \u2068+31 6 &lt;b&gt;\u2069")

	def test_each_value_of_a_message_keeps_its_direction_in_persian(self) -> None:
		sentence = i18n._("{number} may not receive messages; {count:,} left. Use {{ name }}.")
		message = sentence.format(number="+31 6 1234 5678", count=1200)
		try:
			frappe.local.lang = "fa"
			shown = translated(message)
		finally:
			frappe.local.lang = "en"
		self.assertEqual(
			shown,
			"\u2068+31 6 1234 5678\u2069 may not receive messages; \u20681,200\u2069 left. Use { name }.",
		)
		self.assertEqual(
			translated(message), "+31 6 1234 5678 may not receive messages; 1,200 left. Use { name }."
		)
