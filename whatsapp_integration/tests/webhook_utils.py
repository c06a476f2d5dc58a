"""Shared set-up of the webhook bench tests: Settings secrets, a device, fixture bodies with fresh ids.

Everything a test sends is unique to this run (the site keeps rows between runs and other suites
register their own devices): the device's phone number id, the wamids and the customers' numbers.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import frappe

from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.utils import configure_settings, ensure_device, unique_digits

APP_SECRET = "bench-webhook-secret-31f9"
VERIFY_TOKEN = "bench-verify-token-77"
DEVICE = "_Test Webhook Device"
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "webhooks"
FIXTURE_UNKNOWN_PHONE_NUMBER_ID = "111111111111111"
# Prefixes of the customers' numbers in the fixture bodies (the last digits tell them apart)
FIXTURE_NUMBER_PREFIXES = ("4917600000", "9891200000", "9665000000")


PHONE_NUMBER_ID = unique_digits(15)
"""This run's device: no device another suite registered answers to it."""

messages_change = functools.partial(payloads.messages_change, phone_number_id=PHONE_NUMBER_ID)
preferences_change = functools.partial(payloads.preferences_change, phone_number_id=PHONE_NUMBER_ID)


def unique_number() -> str:
	"""A customer's number (digits, as Meta's wa_id) unique to this call."""
	return "49176" + unique_digits(8)


def configure_webhook() -> None:
	configure_settings(app_secret=APP_SECRET, webhook_verify_token=VERIFY_TOKEN)
	ensure_device(DEVICE, phone_number_id=PHONE_NUMBER_ID, phone_number="+14155552671", is_default=0)


def fresh_fixture(name: str) -> tuple[bytes, dict[str, Any], str]:
	"""A fixture body and expectation with every `wamid.`, customer number and phone number id
	made unique to this call, plus the call's wamid prefix."""
	run = f"wamid.{frappe.generate_hash(length=10)}."
	replacements = {"wamid.": run, payloads.PHONE_NUMBER_ID: PHONE_NUMBER_ID}
	replacements[FIXTURE_UNKNOWN_PHONE_NUMBER_ID] = unique_digits(15)
	for prefix in FIXTURE_NUMBER_PREFIXES:
		replacements[prefix] = prefix[:5] + unique_digits(len(prefix) - 5)
	body = (FIXTURES / f"{name}.body").read_text()
	expect = (FIXTURES / f"{name}.expect.json").read_text()
	for old, new in replacements.items():
		body, expect = body.replace(old, new), expect.replace(old, new)
	return body.encode(), json.loads(expect), run


def message_logs(wamids: list[str]) -> dict[str, Any]:
	rows = frappe.get_all("WhatsApp Message Log", filters={"wamid": ("in", wamids)}, fields=["*"])
	return {row.wamid: row for row in rows}


def create_outbound(wamid: str, status: str = "Sent", **values: Any) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "WhatsApp Message Log",
			"direction": "Outbound",
			"device": DEVICE,
			"to_number": "+" + unique_number(),
			"message_type": "text",
			"text": "Your order is ready",
			"status": status,
			"wamid": wamid,
			**values,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return doc.name
