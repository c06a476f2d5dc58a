"""The scheduler's WhatsApp Web session cleanup on a real site: when the session host is gone,
the sessions it left on WhatsApp Devices are STOPPED with the reason and the incident is open.

The host client talks to a namespace of this run where no host ever runs (a host another
suite runs for the site must not answer)."""

from __future__ import annotations

import json
import time

import frappe
from frappe.tests.utils import FrappeTestCase

from whatsapp_integration.core.operations.alerts import SESSION_HOST_DOWN
from whatsapp_integration.operations.alerts import incident_store
from whatsapp_integration.session_host.client import HostClient
from whatsapp_integration.session_host.protocol import keys
from whatsapp_integration.site.web import redis_client, session_cleanup
from whatsapp_integration.tests.utils import RUN_ID, ensure_device

DEVICE_DOCTYPE = "WhatsApp Device"
LEFT = f"_Test WhatsApp Web Left {RUN_ID}"
OFF = f"_Test WhatsApp Web Off {RUN_ID}"
DIED_AT = time.time() - 3600


class TestWebSessionCleanup(FrappeTestCase):
	@classmethod
	def setUpClass(cls) -> None:
		super().setUpClass()
		for device, state in ((LEFT, "WORKING"), (OFF, "STOPPED")):
			ensure_device(device, mode="Web", phone_number="+919876500078", is_default=0)
			status = "Active" if state == "WORKING" else "Inactive"
			frappe.db.set_value(DEVICE_DOCTYPE, device, {"web_state": state, "status": status})
		frappe.db.commit()
		cls.namespace = f"whatsapp_web:test:{frappe.generate_hash(length=10)}:"
		redis_client().set(keys(cls.namespace)["last_beat"], json.dumps({"pid": 1, "at": DIED_AT}))

	@classmethod
	def tearDownClass(cls) -> None:
		redis_client().delete(keys(cls.namespace)["last_beat"])
		for device in (LEFT, OFF):
			frappe.delete_doc(DEVICE_DOCTYPE, device, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def test_a_working_device_of_a_gone_host_is_stopped_with_the_reason(self) -> None:
		result = session_cleanup(HostClient(redis_client(), self.namespace)).run()
		self.assertFalse(result.swept)
		self.assertIn(LEFT, result.stopped)
		self.assertNotIn(OFF, result.stopped)
		left = frappe.db.get_value(
			DEVICE_DOCTYPE,
			LEFT,
			["web_state", "status", "web_state_reason", "web_state_history"],
			as_dict=True,
		)
		self.assertEqual((left.web_state, left.status), ("STOPPED", "Inactive"))
		self.assertIn("The session host is not running since ", left.web_state_reason)
		self.assertEqual(json.loads(left.web_state_history)[-1]["reason"], left.web_state_reason)
		off = frappe.db.get_value(DEVICE_DOCTYPE, OFF, ["web_state", "web_state_reason"], as_dict=True)
		self.assertEqual((off.web_state, off.web_state_reason or ""), ("STOPPED", ""))
		self.assertFalse(incident_store().open(f"{SESSION_HOST_DOWN}:session_host", 60), "no incident open")
