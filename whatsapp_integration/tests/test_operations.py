"""Report, stats cache, health, alerts, metrics endpoint, retention, retry and timeline on a real site."""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from whatsapp_integration.api import health, messages, metrics
from whatsapp_integration.operations import alerts as site_alerts
from whatsapp_integration.operations import health as site_health
from whatsapp_integration.operations.retention import clear_message_logs
from whatsapp_integration.operations.stats_cache import clear_stats_cache
from whatsapp_integration.site import cache_keys, desk
from whatsapp_integration.tests.log_rows import ROWS_NUMBER, LogRow, delete_rows, insert_rows
from whatsapp_integration.tests.utils import (
	RUN_ID,
	TEST_DEVICE,
	configure_settings,
	customer_wrote,
	ensure_device,
	ensure_user,
	unique_digits,
)
from whatsapp_integration.whatsapp_integration.report.whatsapp_message_analytics import (
	whatsapp_message_analytics as report,
)

LOG = "WhatsApp Message Log"
# This run's devices and campaign: the report, alerts and retention count only their rows.
DEVICE_A = f"_Test Ops Device A {RUN_ID}"
DEVICE_B = f"_Test Ops Device B {RUN_ID}"
WEB_DEVICE = f"_Test Ops Web Device {RUN_ID}"
CAMPAIGN = f"_Test Ops Campaign {RUN_ID}"
CONTACT = f"_Test Contact <b> {RUN_ID}"
MANAGER = "whatsapp-ops-manager@example.com"
USER = "whatsapp-ops-user@example.com"
TODAY = now_datetime().replace(hour=9, minute=0, second=0, microsecond=0)
DAY1 = TODAY - timedelta(days=3)
DAY2 = TODAY - timedelta(days=2)


def rows_for_report() -> list[LogRow]:
	def many(count: int, **values: object) -> list[LogRow]:
		return [LogRow(**values) for _ in range(count)]  # type: ignore[arg-type]

	return [
		*many(3, created=DAY1, device=DEVICE_A, status="Sent"),
		*many(4, created=DAY1, device=DEVICE_A, status="Delivered"),
		*many(5, created=DAY1, device=DEVICE_A, status="Read"),
		*many(
			2, created=DAY1, device=DEVICE_A, status="Failed", error_code=131047, error_title="Re-engagement"
		),
		*many(
			1, created=DAY2, device=DEVICE_B, status="Failed", error_code=131026, error_title="Undeliverable"
		),
		*many(6, created=DAY2, device=DEVICE_B, status="Received", direction="Inbound"),
	]


class TestOperations(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		ensure_user(MANAGER, ("WhatsApp Manager",))
		ensure_user(USER, ("WhatsApp User",))
		delete_rows([DEVICE_A, DEVICE_B])
		insert_rows(rows_for_report())
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls) -> None:
		frappe.set_user("Administrator")
		delete_rows([DEVICE_A, DEVICE_B])
		frappe.db.commit()  # before Settings, so the generated rows go even if saving Settings fails
		configure_settings(stats_cache_ttl=300, metrics_token="", alert_failure_threshold=5)
		super().tearDownClass()

	def setUp(self) -> None:
		frappe.set_user("Administrator")
		configure_settings(stats_cache_ttl=300)
		clear_stats_cache()

	def run_report(self, **filters: object) -> tuple:
		return report.execute({"from_date": DAY1.date(), "to_date": DAY2.date(), **filters})

	# report
	def test_report_aggregates_rows_chart_summary_and_failures(self) -> None:
		"""Rows per day and device; summary and chart per device (other suites' rows share the days)."""
		columns, data, *_rest = self.run_report()
		rows = {(str(row["day"]), row["device"]): row for row in data}
		day1 = rows[(str(DAY1.date()), DEVICE_A)]
		self.assertEqual((day1["total"], day1["sent"], day1["delivered"], day1["read"]), (14, 12, 9, 5))
		self.assertEqual((day1["failed"], day1["delivery_rate"]), (2, 64.3))
		self.assertEqual(rows[(str(DAY2.date()), DEVICE_B)]["total"], 7)
		_columns, _data, message, chart, summary = self.run_report(device=DEVICE_A)
		figures = {item["label"]: item["value"] for item in summary}
		self.assertEqual((figures["Messages"], figures["Sent"], figures["Failed"]), (14, 12, 2))
		self.assertEqual(chart["data"]["labels"], [str(DAY1.date())])
		datasets = {dataset["name"]: dataset["values"] for dataset in chart["data"]["datasets"]}
		self.assertEqual((datasets["Read"], datasets["Failed"], datasets["Received"]), ([5], [2], [0]))
		summary = self.run_report(device=DEVICE_B)[4]
		figures = {item["label"]: item["value"] for item in summary}
		self.assertEqual((figures["Messages"], figures["Failed"], figures["Received"]), (7, 1, 6))
		self.assertIn("131047", message)
		self.assertIn("Send an approved template instead", message)
		self.assertEqual(columns[0]["fieldname"], "day")

	def test_report_filters_on_device_and_direction(self) -> None:
		_columns, data, *_rest = self.run_report(device=DEVICE_B)
		self.assertEqual([row["total"] for row in data], [7])
		_columns, data, *_rest = self.run_report(device=DEVICE_B, direction="Outbound")
		self.assertEqual([(row["total"], row["failed"]) for row in data], [(1, 1)])

	def test_report_filters_on_campaign_through_its_recipient_rows(self) -> None:
		failed = frappe.db.get_value("WhatsApp Message Log", {"device": DEVICE_B, "status": "Failed"})
		frappe.db.sql(
			"""INSERT INTO `tabWhatsApp Campaign Recipient` (name, creation, modified, owner, modified_by,
			campaign, number, state, message_log) VALUES (%s, NOW(), NOW(), 'Administrator',
			'Administrator', %s, '+919876543210', 'Failed', %s)""",
			(f"_test-ops-recipient-{RUN_ID}", CAMPAIGN, failed),
		)
		try:
			data = self.run_report(campaign=CAMPAIGN)[1]
			self.assertEqual(
				[(row["device"], row["total"], row["failed"]) for row in data], [(DEVICE_B, 1, 1)]
			)
			self.assertEqual(self.run_report(campaign="_Test No Such Campaign")[1], [])
		finally:
			frappe.db.delete("WhatsApp Campaign Recipient", {"campaign": CAMPAIGN})

	def test_report_is_cached_for_the_stats_ttl_and_off_at_zero(self) -> None:
		before = self.run_report(device=DEVICE_A)[1][0]["total"]
		insert_rows([LogRow(created=DAY1, device=DEVICE_A, status="Read")])
		self.assertEqual(self.run_report(device=DEVICE_A)[1][0]["total"], before)
		configure_settings(stats_cache_ttl=0)
		self.assertEqual(self.run_report(device=DEVICE_A)[1][0]["total"], before + 1)
		frappe.db.sql(
			"DELETE FROM `tabWhatsApp Message Log` WHERE device=%s AND status='Read' LIMIT 1", DEVICE_A
		)

	# health
	def test_guest_gets_only_the_overall_word(self) -> None:
		frappe.set_user("Guest")
		answer = health.status()
		self.assertEqual(set(answer), {"status"})
		self.assertIn(answer["status"], ("ok", "degraded", "down"))

	def test_manager_gets_every_part(self) -> None:
		frappe.set_user(MANAGER)
		answer = health.status()
		names = {check["name"] for check in answer["checks"]}
		self.assertTrue({"database", "redis", "workers", "scheduler"} <= names)
		database = next(check for check in answer["checks"] if check["name"] == "database")
		self.assertEqual(database["status"], "ok")

	def test_a_device_in_error_degrades_health(self) -> None:
		ensure_device(DEVICE_A, phone_number_id=unique_digits(15), status="Error")
		try:
			frappe.set_user(MANAGER)
			answer = health.status()
			device = next(check for check in answer["checks"] if check["name"] == f"device:{DEVICE_A}")
			self.assertEqual((device["status"], answer["status"]), ("degraded", "degraded"))
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc("WhatsApp Device", DEVICE_A, force=True)

	def test_web_device_not_working_degrades_health(self) -> None:
		ensure_device(WEB_DEVICE, mode="Web", phone_number_id=None)
		frappe.db.set_value("WhatsApp Device", WEB_DEVICE, "web_state", "SCAN_QR_CODE")
		try:
			frappe.set_user(MANAGER)
			checks = {check["name"]: check for check in health.status()["checks"]}
			self.assertEqual(checks[f"device:{WEB_DEVICE}"]["status"], "degraded")
			self.assertIn("SCAN_QR_CODE", checks[f"device:{WEB_DEVICE}"]["detail"])
			self.assertIn(checks["session_host"]["status"], ("ok", "degraded"))  # a host may run meanwhile
		finally:
			frappe.set_user("Administrator")
			frappe.delete_doc("WhatsApp Device", WEB_DEVICE, force=True)

	def test_token_check_is_cached(self) -> None:
		from whatsapp_integration.tests.utils import start_fake_graph

		graph = start_fake_graph()
		try:
			device = next(d for d in site_health.device_states() if d.name == TEST_DEVICE)
			clear_stats_cache()
			first = site_health.token_check(device)
			calls = len(graph.requests)
			site_health.token_check(device)
			self.assertEqual(first.status, "ok")
			self.assertEqual(len(graph.requests), calls)
			configure_settings(access_token="expired-token")
			clear_stats_cache()
			expired = site_health.token_check(device)
			self.assertEqual((expired.status, expired.error_code), ("degraded", 190))
		finally:
			graph.stop()

	# alerts
	def test_repeated_failures_alert_once(self) -> None:
		configure_settings(alert_failure_threshold=3)
		frappe.cache.delete_keys("whatsapp:alert:")
		now = now_datetime()
		insert_rows(
			[LogRow(created=now, device=DEVICE_B, status="Failed", error_code=131026) for _ in range(3)]
		)
		try:
			first = site_alerts.check_and_alert()
			second = site_alerts.check_and_alert()
			subjects = [incident.subject for incident in first if incident.kind == "device_failures"]
			self.assertIn(DEVICE_B, subjects)
			self.assertEqual([i for i in second if i.kind == "device_failures"], [])
			logs = frappe.get_all(
				"Notification Log", filters={"for_user": MANAGER, "subject": ("like", f"%{DEVICE_B}%")}
			)
			self.assertEqual(len(logs), 1)
		finally:
			frappe.db.sql(
				"DELETE FROM `tabWhatsApp Message Log` WHERE device=%s AND creation >= %s", (DEVICE_B, now)
			)
			frappe.db.delete("Notification Log", {"for_user": MANAGER})

	def test_a_session_leaving_working_alerts_once(self) -> None:
		frappe.cache.delete_keys("whatsapp:alert:")
		ensure_device(WEB_DEVICE, mode="Web", phone_number_id=None)
		frappe.db.set_value("WhatsApp Device", WEB_DEVICE, "web_state", "WORKING")
		try:
			site_alerts.check_and_alert()  # remembers WORKING
			frappe.db.set_value("WhatsApp Device", WEB_DEVICE, "web_state", "FAILED")
			lost = [i.subject for i in site_alerts.check_and_alert() if i.kind == "session_lost"]
			again = [i.subject for i in site_alerts.check_and_alert() if i.kind == "session_lost"]
			self.assertEqual((lost, again), ([WEB_DEVICE], []))
			link = frappe.db.get_value(
				"Notification Log", {"for_user": MANAGER, "subject": ("like", "%left WORKING%")}, "link"
			)
			self.assertEqual(link, f"/app/whatsapp-device/{WEB_DEVICE}")
		finally:
			frappe.delete_doc("WhatsApp Device", WEB_DEVICE, force=True)
			frappe.db.delete("Notification Log", {"for_user": MANAGER})

	# metrics endpoint
	def call_prometheus(
		self, authorization: str | None, path: str = f"/api/method/{metrics.ENDPOINT}"
	) -> tuple[int, str]:
		"""Through the auth hook first (as Frappe's validate_auth runs it), then the endpoint."""
		headers = {"Authorization": authorization} if authorization else {}
		frappe.local.request = Request(EnvironBuilder(path=path, headers=headers).get_environ())
		try:
			metrics.authenticate_scraper()
			response = metrics.prometheus()
		finally:
			frappe.local.request = None
		return response.status_code, response.get_data(as_text=True)

	def test_metrics_are_closed_without_a_token_in_settings(self) -> None:
		configure_settings(metrics_token="")
		self.assertEqual(self.call_prometheus("Bearer anything")[0], 403)

	def test_metrics_need_the_bearer_token(self) -> None:
		configure_settings(metrics_token="scrape-secret-1")
		frappe.set_user("Guest")
		self.assertEqual(self.call_prometheus(None)[0], 401)
		self.assertEqual(self.call_prometheus("Bearer wrong")[0], 401)
		self.assertEqual(frappe.session.user, "Guest")
		status, body = self.call_prometheus("Bearer scrape-secret-1")
		self.assertEqual((status, frappe.session.user), (200, metrics.SCRAPER))
		self.assertLessEqual(set(frappe.get_roles(metrics.SCRAPER)), {"All", "Guest"})
		self.assertIn("# TYPE whatsapp_queue_depth gauge", body)
		self.assertNotIn("scrape-secret-1", body)

	def test_the_metrics_token_authenticates_only_the_metrics_endpoint(self) -> None:
		configure_settings(metrics_token="scrape-secret-1")
		frappe.set_user("Guest")
		self.call_prometheus("Bearer scrape-secret-1", path="/api/method/frappe.client.get_list")
		self.assertEqual(frappe.session.user, "Guest")

	# retention, retry, timeline
	def test_log_settings_clearing_deletes_only_old_logs(self) -> None:
		old = now_datetime() - timedelta(days=40)
		insert_rows([LogRow(created=old, device=DEVICE_A, status="Read")])
		self.assertEqual(frappe.db.count("WhatsApp Message Log", {"device": DEVICE_A}), 15)
		configure_settings(log_retention_days=30)  # saving Settings writes the days into Log Settings
		row = next(r for r in frappe.get_doc("Log Settings").logs_to_clear if r.ref_doctype == LOG)
		self.assertEqual(row.days, 30)
		frappe.get_doc("Log Settings").clear_logs()  # what Log Settings' daily job runs
		self.assertEqual(frappe.db.count("WhatsApp Message Log", {"device": DEVICE_A}), 14)
		insert_rows([LogRow(created=old, device=DEVICE_A, status="Read")])
		self.assertGreaterEqual(clear_message_logs(35), 1)  # other suites' old rows go as well
		self.assertEqual(frappe.db.count("WhatsApp Message Log", {"device": DEVICE_A}), 14)
		configure_settings(log_retention_days=90)

	def test_retry_requeues_a_failed_message(self) -> None:
		name = frappe.db.get_value("WhatsApp Message Log", {"device": DEVICE_A, "status": "Failed"})
		# A retried text goes out again: its device must exist and the customer's window be open
		ensure_device(DEVICE_A, phone_number_id=unique_digits(15))
		customer_wrote(ROWS_NUMBER, DEVICE_A)
		try:
			frappe.set_user(MANAGER)
			with self.assertRaises(frappe.ValidationError):
				messages.retry(
					frappe.db.get_value("WhatsApp Message Log", {"device": DEVICE_A, "status": "Read"})
				)
			result = messages.retry(name)
			self.assertEqual(result["status"], "Queued")
			frappe.set_user(USER)
			with self.assertRaises(frappe.PermissionError):
				messages.retry(name)
		finally:
			frappe.set_user("Administrator")
			frappe.db.set_value("WhatsApp Message Log", name, "status", "Failed")
			frappe.db.delete("WhatsApp Message Log", {"device": DEVICE_A, "direction": "Inbound"})
			frappe.db.delete("WhatsApp Conversation", {"device": DEVICE_A})
			frappe.delete_doc("WhatsApp Device", DEVICE_A, force=True)

	def test_sent_messages_show_in_the_documents_timeline(self) -> None:
		name = frappe.db.get_value("WhatsApp Message Log", {"device": DEVICE_A, "status": "Sent"})
		frappe.db.set_value(
			"WhatsApp Message Log",
			name,
			{"reference_doctype": "Contact", "reference_name": CONTACT},
		)
		items = desk.timeline_content("Contact", CONTACT)
		self.assertEqual(len(items), 1)
		self.assertIn(name, items[0]["content"])
		self.assertNotIn("<b>", items[0]["content"].replace("<b>", "", 0))
		self.assertEqual(desk.timeline_content("ToDo", "x"), [])

	def test_boot_lists_send_from_doctypes_for_senders_only(self) -> None:
		frappe.set_user(USER)
		boot = frappe._dict()
		desk.boot_session(boot)
		self.assertIn("Customer", boot.whatsapp["send_from_doctypes"])
		frappe.set_user("Guest")
		boot = frappe._dict()
		desk.boot_session(boot)
		self.assertNotIn("whatsapp", boot)
