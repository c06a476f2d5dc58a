"""Message Log permissions hold wherever its data shows (issue 10, item 6): number cards, the
document timeline and the analytics report count a WhatsApp User's own rows only; a campaign's
status moves only through its actions; campaign recipients carry only the fields the message uses.

Run: CI=1 bench --site test.localhost run-tests --module whatsapp_integration.tests.test_permission_scope
"""

from __future__ import annotations

import json

import frappe
from frappe.desk.doctype.dashboard_chart.dashboard_chart import get as get_chart
from frappe.desk.query_report import run as run_report
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime, today

from whatsapp_integration.api import campaigns as campaign_api
from whatsapp_integration.api import dashboard
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.site.desk import timeline_content
from whatsapp_integration.tests.campaign_utils import CAMPAIGN, RECIPIENT, new_campaign
from whatsapp_integration.tests.utils import TEST_DEVICE, ensure_test_device, ensure_user

LOG = "WhatsApp Message Log"
REPORT = "WhatsApp Message Analytics"


class TestPermissionScope(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_test_device()
		run_id = frappe.generate_hash(length=8)
		cls.alice = ensure_user(f"wa-scope-alice-{run_id}@example.com", ("WhatsApp User",))
		cls.bob = ensure_user(f"wa-scope-bob-{run_id}@example.com", ("WhatsApp User",))
		contact = {"doctype": "Contact", "first_name": f"Scope {run_id}", "mobile_no": "+14155550998"}
		cls.contact = frappe.get_doc(contact).insert(ignore_permissions=True).name
		cls.logs = {cls.alice: cls._log(cls.alice, 2), cls.bob: cls._log(cls.bob, 3)}

	@classmethod
	def _log(cls, user: str, count: int) -> list[str]:
		"""`count` Sent messages written by `user` (their owner), in the timeline of one Contact."""
		frappe.set_user(user)
		try:
			names = []
			for index in range(count):
				record = MessageRecord(to_number=f"+1415555{index:04d}", device=TEST_DEVICE, text="hi")
				record.status, record.created_at = "Sent", now_datetime()
				record.reference_doctype, record.reference_name = "Contact", cls.contact
				record.idempotency_key = frappe.generate_hash()
				names.append(FrappeMessageRepository().insert_message(record).name or "")
			frappe.db.commit()
			return names
		finally:
			frappe.set_user("Administrator")

	def tearDown(self) -> None:
		frappe.set_user("Administrator")

	def test_sent_today_card_counts_only_what_the_user_may_read(self) -> None:
		for user, logs in self.logs.items():
			frappe.set_user(user)
			self.assertEqual(dashboard.sent_today()["value"], len(logs), user)

	def test_messages_by_status_chart_counts_only_what_the_user_may_read(self) -> None:
		frappe.set_user(self.alice)
		chart = get_chart(chart_name="WhatsApp Messages by Status", refresh=1)
		self.assertEqual(sum(chart["datasets"][0]["values"]), len(self.logs[self.alice]))

	def test_timeline_shows_only_the_users_own_messages(self) -> None:
		frappe.set_user(self.alice)
		items = timeline_content("Contact", self.contact)
		shown = {
			log
			for item in items
			for log in self.logs[self.alice] + self.logs[self.bob]
			if log in item["content"]
		}
		self.assertEqual(shown, set(self.logs[self.alice]))

	def test_analytics_report_opens_to_a_whatsapp_user_with_their_rows(self) -> None:
		frappe.set_user(self.bob)
		result = run_report(REPORT, {"from_date": today(), "to_date": today(), "device": TEST_DEVICE})
		frappe.set_user("Administrator")
		expected = frappe.db.count(
			LOG, {"owner": self.bob, "device": TEST_DEVICE, "creation": (">=", today())}
		)
		self.assertEqual(sum(row["total"] for row in result["result"]), expected)
		self.assertEqual(expected, len(self.logs[self.bob]))

	def test_status_written_over_rest_is_refused_and_new_campaigns_start_draft(self) -> None:
		name = new_campaign([], status="Running", run=3)
		self.assertEqual(frappe.db.get_value(CAMPAIGN, name, ["status", "run"]), ("Draft", 0))
		with self.assertRaises(frappe.ValidationError) as caught:
			frappe.client.set_value(CAMPAIGN, name, "status", "Scheduled")
		self.assertIn("actions", str(caught.exception))
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value(CAMPAIGN, name, "status"), "Draft")

	def test_recipients_from_a_doctype_carry_only_the_fields_the_message_uses(self) -> None:
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": f"Scope {frappe.generate_hash(length=6)}",
				"designation": "Secret designation",
				"company_name": "Secret company",
				"mobile_no": "+14155550999",
			}
		).insert(ignore_permissions=True)
		name = new_campaign([], message="Hi {{ first_name }}")
		campaign_api.add_recipients(name, "Contact", json.dumps({"name": contact.name}))
		context = json.loads(frappe.db.get_value(RECIPIENT, {"campaign": name}, "context"))
		self.assertEqual(set(context), {"name", "mobile_no", "first_name"})
		self.assertEqual(context["first_name"], contact.first_name)
