# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import json
import time
from typing import Any

import frappe
from frappe.client import get, get_value
from frappe.desk.form.load import getdoc
from frappe.tests.utils import FrappeTestCase
from frappe.utils.background_jobs import get_redis_connection_without_auth

from whatsapp_integration.core.web.states import SessionSnapshot, SessionState
from whatsapp_integration.repositories.web_sessions import REALTIME_EVENT, FrappeWebSessionRepository
from whatsapp_integration.tests.utils import (
	DEVICE_READER,
	DEVICE_WRITER,
	ensure_device,
	ensure_user,
	unique_digits,
)

DEVICE = "WhatsApp Device"


def new_official_device(test: FrappeTestCase, label: str, **values: Any) -> str:
	"""An Official device with a name and phone number id of its own, deleted after `test`."""
	device = f"_Test Device {label} {frappe.generate_hash(length=6)}"
	ensure_device(device, **{"phone_number_id": unique_digits(15), "is_default": 0, **values})
	test.addCleanup(_delete, device)
	return device


class TestWhatsAppDevice(FrappeTestCase):
	def test_phone_number_is_stored_in_e164(self) -> None:
		device = new_official_device(self, "Phone", phone_number="+91 98765-43210")
		self.assertEqual(frappe.db.get_value("WhatsApp Device", device, "phone_number"), "+919876543210")

	def test_invalid_phone_number_is_refused_with_the_reason(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			new_official_device(self, "Bad Phone", phone_number="+91 123")
		self.assertIn("+91 123", str(caught.exception))

	def test_official_device_needs_a_phone_number_id(self) -> None:
		with self.assertRaises(frappe.ValidationError) as caught:
			new_official_device(self, "No Id", phone_number_id="")
		self.assertIn("Phone Number ID", str(caught.exception))

	def test_only_one_device_is_the_default(self) -> None:
		before = frappe.get_all("WhatsApp Device", filters={"is_default": 1}, pluck="name")
		self.addCleanup(_restore_default, before)
		new_official_device(self, "A", is_default=1)
		second = new_official_device(self, "B", is_default=1)
		defaults = frappe.get_all("WhatsApp Device", filters={"is_default": 1}, pluck="name")
		self.assertEqual(defaults, [second])

	def test_the_stored_qr_code_is_only_for_users_who_may_link_the_device(self) -> None:
		"""A reader of the Device gets neither the QR from the form nor from REST or get_value."""
		device = f"_Test Device QR {frappe.generate_hash(length=6)}"
		ensure_device(device, mode="Web", phone_number="", is_default=0)
		self.addCleanup(_delete, device)
		qr = "data:image/png;base64,iVBORw0KGgo="
		frappe.db.set_value("WhatsApp Device", device, {"web_state": "SCAN_QR_CODE", "web_qr_image": qr})
		reader = ensure_user(DEVICE_READER, ("WhatsApp User",))
		writer = ensure_user(DEVICE_WRITER, ("WhatsApp Manager",))
		self.assertEqual(_seen_qr(writer, device), [qr, qr, qr])
		self.assertEqual(_seen_qr(reader, device), [None, None, None])


def _seen_qr(user: str, device: str) -> list[str | None]:
	"""The QR as the user gets it from the form (getdoc), REST (frappe.client.get) and get_value."""
	frappe.set_user(user)
	try:
		getdoc(DEVICE, device)
		form = frappe.response.docs[-1].get("web_qr_image")
		rest = get(DEVICE, device).get("web_qr_image")
		value = get_value(DEVICE, ["web_state", "web_qr_image"], device).get("web_qr_image")
	finally:
		frappe.set_user("Administrator")
	return [form, rest, value]


class TestLinkedNumber(FrappeTestCase):
	def test_a_session_linked_by_another_number_is_flagged_and_alerted(self) -> None:
		manager = ensure_user(DEVICE_WRITER, ("WhatsApp Manager",))
		device = f"_Test Device Linked {frappe.generate_hash(length=6)}"
		ensure_device(device, mode="Web", phone_number="+919876500088", is_default=0)
		self.addCleanup(_delete, device)
		repository = FrappeWebSessionRepository()
		repository.save_session(_working(device, "+919876500088"), None)
		self.assertEqual(_linked(device), ("+919876500088", 0))
		self.assertFalse(_alerts(manager, device))
		repository.save_session(_working(device, "+4915112345678"), None)
		self.assertEqual(_linked(device), ("+4915112345678", 1))
		self.assertEqual(len(_alerts(manager, device)), 1)
		repository.save_session(_working(device, "+4915112345678"), None)
		self.assertEqual(len(_alerts(manager, device)), 1, "one mismatch is one alert")


class TestQrRealtime(FrappeTestCase):
	def test_the_qr_goes_by_realtime_only_to_users_who_may_link_the_device(self) -> None:
		reader = ensure_user(DEVICE_READER, ("WhatsApp User",))
		writer = ensure_user(DEVICE_WRITER, ("WhatsApp Manager",))
		device = f"_Test Device Realtime {frappe.generate_hash(length=6)}"
		ensure_device(device, mode="Web", phone_number="", is_default=0)
		self.addCleanup(_delete, device)
		events = get_redis_connection_without_auth().pubsub(ignore_subscribe_messages=True)
		events.subscribe("events")
		self.addCleanup(events.close)
		shown = SessionSnapshot(device, SessionState.SCAN_QR_CODE, qr_png=b"png")
		FrappeWebSessionRepository().save_session(shown, None)
		by_room = _published(events, device, {f"doc:{DEVICE}/{device}", f"user:{writer}"})
		self.assertNotIn("qr_image", by_room[f"doc:{DEVICE}/{device}"])
		self.assertEqual(by_room[f"user:{writer}"]["qr_image"], "data:image/png;base64,cG5n")
		self.assertNotIn(f"user:{reader}", by_room)


def _published(events: Any, device: str, expected: set[str]) -> dict[str, dict[str, Any]]:
	"""The session events for `device` by room: read until every `expected` room has its event
	(up to 120 s on a busy machine), then until the channel stays quiet for a second."""
	by_room: dict[str, dict[str, Any]] = {}
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
		raw = events.get_message(timeout=1.0)
		if raw is None:
			if expected <= set(by_room):
				break
			continue
		event = json.loads(raw["data"])
		if event["event"] == REALTIME_EVENT and event["message"].get("device") == device:
			by_room[event["room"]] = event["message"]
	return by_room


def _restore_default(devices: list[str]) -> None:
	for device in devices:
		frappe.db.set_value(DEVICE, device, "is_default", 1)
	frappe.db.commit()


def _delete(device: str) -> None:
	"""A Web device left WORKING would be restored (a browser) by the next session host."""
	frappe.delete_doc(DEVICE, device, force=True, ignore_permissions=True)
	frappe.db.commit()


def _working(device: str, number: str) -> SessionSnapshot:
	return SessionSnapshot(device, SessionState.WORKING, linked_number=number)


def _linked(device: str) -> tuple[str, int]:
	return tuple(frappe.db.get_value(DEVICE, device, ["web_linked_number", "web_number_mismatch"]))


def _alerts(user: str, device: str) -> list[str]:
	return frappe.get_all(
		"Notification Log", filters={"for_user": user, "link": f"/app/whatsapp-device/{device}"}, pluck="name"
	)
