"""Webhook processing on a real site: inbox rows, Message Log rows, status history, contacts, opt-outs."""

from __future__ import annotations

import json
import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, now_datetime
from frappe.utils.background_jobs import get_redis_connection_without_auth

from whatsapp_integration import tasks
from whatsapp_integration.repositories.webhook_inbox import FrappeWebhookInbox
from whatsapp_integration.services.webhook_inbox import STALE_SECONDS
from whatsapp_integration.site.doctypes import WEBHOOK_EVENT as INBOX
from whatsapp_integration.site.services import webhook_inbox, webhook_service
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.webhook_utils import (
	DEVICE,
	configure_webhook,
	create_outbound,
	fresh_fixture,
	message_logs,
	messages_change,
	preferences_change,
	unique_number,
)


def process_through_inbox(raw: bytes) -> str:
	name = webhook_inbox().accept(raw)
	frappe.db.commit()
	webhook_inbox().process_one(name)
	return name


class TestWebhookProcessing(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		configure_webhook()

	def test_fixtures_end_to_end_into_message_log(self) -> None:
		for name in ("every_message_type", "mixed_batch", "keywords", "bsuid_only_sender"):
			raw, expect, _run = fresh_fixture(name)
			for wamid in expect["statuses"]:
				create_outbound(wamid)
			inbox = process_through_inbox(raw)
			self.assertEqual(frappe.db.get_value(INBOX, inbox, "state"), "Processed", name)
			rows = message_logs(expect["inbound"])
			self.assertEqual(sorted(rows), sorted(expect["inbound"]), name)
			for row in rows.values():
				self.assertEqual((row.direction, row.status, row.device), ("Inbound", "Received", DEVICE))
			for wamid, status in expect["statuses"].items():
				self.assertEqual(
					frappe.db.get_value("WhatsApp Message Log", {"wamid": wamid}, "status").lower(), status
				)
			for wamid, text in expect.get("text", {}).items():
				self.assertEqual(rows[wamid].text, text)

	def test_inbound_text_is_stored_verbatim(self) -> None:
		text = "سلام! قیمت چند است؟ 😀 @shop <b>&amp;</b>   end"
		wamid = f"wamid.{frappe.generate_hash()}"
		message = payloads.text_message(wamid, text, wa_id=unique_number())
		body = payloads.envelope([messages_change([message])])
		process_through_inbox(payloads.encode(body))
		self.assertEqual(message_logs([wamid])[wamid].text, text)

	def test_redelivery_stores_nothing_new(self) -> None:
		raw, expect, run = fresh_fixture("mixed_batch")
		for wamid in expect["statuses"]:
			create_outbound(wamid)
		process_through_inbox(raw)
		before = self._counts(run)
		second = process_through_inbox(raw)
		self.assertEqual(self._counts(run), before)
		self.assertIn("messages duplicate: 3", frappe.db.get_value(INBOX, second, "result"))

	def test_racing_workers_store_once(self) -> None:
		raw, expect, run = fresh_fixture("mixed_batch")
		for wamid in expect["statuses"]:
			create_outbound(wamid)
		site, errors = frappe.local.site, []

		def deliver() -> None:
			frappe.init(site=site)
			frappe.connect()
			try:
				webhook_service().process(raw)
			except Exception as error:
				errors.append(error)
			finally:
				frappe.destroy()

		workers = [threading.Thread(target=deliver) for _ in range(4)]
		for worker in workers:
			worker.start()
		for worker in workers:
			worker.join()
		frappe.db.rollback()  # a fresh snapshot sees what the threads committed
		self.assertEqual(errors, [])
		self.assertEqual(self._counts(run), (3, 5))

	def test_out_of_order_status_history_and_failed_then_delivered(self) -> None:
		wamid = f"wamid.{frappe.generate_hash()}"
		name = create_outbound(wamid)
		error = [{"code": 131026, "title": "Message undeliverable"}]
		statuses = [
			payloads.status(wamid, "read", 1764000300),
			payloads.status(wamid, "failed", 1764000100, errors=error),
			payloads.status(wamid, "sent", 1764000050),
			payloads.status(wamid, "read", 1764000300),
		]
		process_through_inbox(payloads.encode(payloads.envelope([messages_change(statuses=statuses)])))
		log = frappe.get_doc("WhatsApp Message Log", name)
		self.assertEqual(log.status, "Read")
		self.assertEqual([event.status for event in log.status_events], ["Read", "Failed", "Sent"])
		self.assertEqual(log.status_events[1].error_code, 131026)
		self.assertIsNotNone(log.read_at)

	def test_status_change_refreshes_an_open_message_log_form(self) -> None:
		wamid = f"wamid.{frappe.generate_hash()}"
		name = create_outbound(wamid)
		pubsub = get_redis_connection_without_auth().pubsub(ignore_subscribe_messages=True)
		pubsub.subscribe("events")
		try:
			pubsub.get_message(timeout=1)
			body = payloads.envelope([messages_change(statuses=[payloads.status(wamid, "read")])])
			process_through_inbox(payloads.encode(body))
			events = [
				json.loads(message["data"]) for message in iter(lambda: pubsub.get_message(timeout=2), None)
			]
		finally:
			pubsub.close()
		updates = [event for event in events if event["event"] == "doc_update"]
		self.assertIn(f"doc:WhatsApp Message Log/{name}", [event["room"] for event in updates])
		modified = frappe.db.get_value("WhatsApp Message Log", name, "modified")
		self.assertIn(str(modified), [event["message"]["modified"] for event in updates])

	def test_unknown_message_status_waits_for_a_retry(self) -> None:
		wamid = f"wamid.{frappe.generate_hash()}"
		body = payloads.envelope([messages_change(statuses=[payloads.status(wamid, "delivered")])])
		inbox = process_through_inbox(payloads.encode(body))
		row = frappe.db.get_value(INBOX, inbox, ["state", "attempts", "next_attempt_at"], as_dict=True)
		self.assertEqual((row.state, row.attempts), ("Queued", 1))
		self.assertIsNotNone(row.next_attempt_at)
		create_outbound(wamid)  # the send saved its wamid meanwhile
		frappe.db.set_value(INBOX, inbox, "next_attempt_at", add_days(now_datetime(), -1))
		frappe.db.commit()
		self._pick_up(inbox)
		self.assertEqual(frappe.db.get_value(INBOX, inbox, "state"), "Processed")
		self.assertEqual(frappe.db.get_value("WhatsApp Message Log", {"wamid": wamid}, "status"), "Delivered")

	def test_contact_is_linked_by_mobile_number(self) -> None:
		number = "+" + unique_number()
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": "Webhook Test",
				"phone_nos": [{"phone": number[:6] + " " + number[6:], "is_primary_mobile_no": 1}],
				"links": [{"link_doctype": "User", "link_name": "Administrator"}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		wamid = f"wamid.{frappe.generate_hash()}"
		change = messages_change([payloads.text_message(wamid, "hi", wa_id=number.lstrip("+"))])
		process_through_inbox(payloads.encode(payloads.envelope([change])))
		row = message_logs([wamid])[wamid]
		self.assertEqual((row.contact, row.party_type, row.party), (contact.name, "User", "Administrator"))

	def test_unknown_sender_and_bsuid_only_sender_are_logged(self) -> None:
		raw, expect, _run = fresh_fixture("bsuid_only_sender")
		process_through_inbox(raw)
		row = message_logs(expect["inbound"])[expect["inbound"][0]]
		self.assertEqual(
			(row.from_number, row.from_user_id, row.contact), (None, "US.13491208655302741918", None)
		)

	def test_opt_out_and_back_in(self) -> None:
		number = unique_number()
		stop = payloads.envelope([preferences_change(number)])
		process_through_inbox(payloads.encode(stop))
		self.assertEqual(frappe.db.get_value("WhatsApp Opt Out", "+" + number, "source"), "Meta")
		start = messages_change(
			[
				payloads.text_message(
					f"wamid.{frappe.generate_hash()}", "START", wa_id=number, timestamp="1764000300"
				)
			]
		)
		process_through_inbox(payloads.encode(payloads.envelope([start])))
		self.assertFalse(frappe.db.exists("WhatsApp Opt Out", "+" + number))

	def test_unknown_phone_number_id_is_not_stored(self) -> None:
		raw, _expect, run = fresh_fixture("unknown_phone_number_id")
		inbox = process_through_inbox(raw)
		self.assertIn("unknown device events: 3", frappe.db.get_value(INBOX, inbox, "result"))
		self.assertFalse(frappe.db.exists("WhatsApp Message Log", {"wamid": ("like", run + "%")}))

	def test_unprocessed_rows_are_picked_up_and_old_ones_purged(self) -> None:
		raw, expect, _run = fresh_fixture("keywords")
		name = webhook_inbox().accept(raw)
		frappe.db.set_value(INBOX, name, "received_at", add_days(now_datetime(), -1))
		frappe.db.commit()  # stored, but never queued: the queue was down
		self._pick_up(name)
		self.assertEqual(frappe.db.get_value(INBOX, name, "state"), "Processed")
		self.assertEqual(len(message_logs(expect["inbound"])), 5)
		frappe.db.set_value(INBOX, name, "received_at", add_days(now_datetime(), -400))
		frappe.db.commit()
		tasks.purge_webhook_events()
		self.assertFalse(frappe.db.exists(INBOX, name))

	def test_a_row_whose_worker_died_is_taken_back_after_its_lease(self) -> None:
		raw, expect, _run = fresh_fixture("bsuid_only_sender")
		name = webhook_inbox().accept(raw)
		frappe.db.set_value(
			INBOX, name, {"state": "Processing", "next_attempt_at": add_days(now_datetime(), 1)}
		)
		frappe.db.commit()
		self.assertNotIn(name, self._due())  # lease still running
		frappe.db.set_value(INBOX, name, "next_attempt_at", add_days(now_datetime(), -1))
		frappe.db.commit()
		self._pick_up(name)
		self.assertEqual(frappe.db.get_value(INBOX, name, "state"), "Processed")
		self.assertEqual(len(message_logs(expect["inbound"])), 1)

	def test_drain_processes_every_ready_row(self) -> None:
		bodies = [fresh_fixture("keywords") for _ in range(3)]
		names = [webhook_inbox().accept(raw) for raw, _, _ in bodies]
		frappe.db.commit()
		tasks.drain_webhook_inbox()
		self.assertEqual({frappe.db.get_value(INBOX, name, "state") for name in names}, {"Processed"})
		inbound = [wamid for _, expect, _ in bodies for wamid in expect["inbound"]]
		self.assertEqual(len(message_logs(inbound)), 15)

	def _due(self) -> list[str]:
		now = now_datetime()
		return FrappeWebhookInbox().due(add_to_date(now, seconds=-STALE_SECONDS), now, 10**6)

	def _pick_up(self, name: str) -> None:
		"""What `process_pending_webhook_events` does for `name` (other rows of the shared site aside)."""
		self.assertIn(name, self._due())
		webhook_inbox().process_one(name)

	def _counts(self, run: str) -> tuple[int, int]:
		frappe.db.rollback()
		logs = frappe.get_all("WhatsApp Message Log", filters={"wamid": ("like", run + "%")}, pluck="name")
		inbound = frappe.db.count(
			"WhatsApp Message Log", {"wamid": ("like", run + "%"), "direction": "Inbound"}
		)
		events = frappe.db.count("WhatsApp Message Status Event", {"parent": ("in", logs)}) if logs else 0
		return inbound, events
