"""Shared set-up of the webhook bench tests: Settings secrets, a device, fixture bodies with fresh ids."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import frappe

from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.tests.utils import configure_settings, ensure_device

APP_SECRET = "bench-webhook-secret-31f9"
VERIFY_TOKEN = "bench-verify-token-77"
DEVICE = "_Test Webhook Device"
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "webhooks"


def configure_webhook() -> None:
	configure_settings(app_secret=APP_SECRET, webhook_verify_token=VERIFY_TOKEN)
	ensure_device(DEVICE, phone_number_id=payloads.PHONE_NUMBER_ID, phone_number="+14155552671", is_default=0)


def fresh_fixture(name: str) -> tuple[bytes, dict[str, Any], str]:
	"""A fixture body and expectation with every `wamid.` made unique to this run (rows persist
	across runs: the repository commits), plus the run's prefix."""
	run = f"wamid.{uuid.uuid4().hex[:10]}."
	body = (FIXTURES / f"{name}.body").read_text().replace("wamid.", run)
	expect = json.loads((FIXTURES / f"{name}.expect.json").read_text().replace("wamid.", run))
	return body.encode(), expect, run


def message_logs(wamids: list[str]) -> dict[str, Any]:
	rows = frappe.get_all("WhatsApp Message Log", filters={"wamid": ("in", wamids)}, fields=["*"])
	return {row.wamid: row for row in rows}


def create_outbound(wamid: str, status: str = "Sent") -> str:
	doc = frappe.get_doc(
		{
			"doctype": "WhatsApp Message Log",
			"direction": "Outbound",
			"device": DEVICE,
			"to_number": "+4917600000009",
			"message_type": "text",
			"text": "Your order is ready",
			"status": status,
			"wamid": wamid,
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return doc.name
