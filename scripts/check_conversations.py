"""Browser check of conversations against a running `bench --site <site> serve`: a customer whose
message and profile name carry HTML writes in (through the webhook service); the message shows
literally on their Contact's timeline, and the WhatsApp Conversation form (Open in chat, Resolve)
and list show its preview as text, in headless Chromium. Screenshots go to test-artifacts/.

    su - frappe -c "cd $FRAPPE_BENCH && bench --site a1.localhost serve --port 8011" &
    .venv/bin/python scripts/check_conversations.py --url http://127.0.0.1:8011 --site a1.localhost \\
        --bench /opt/frappe-bench

The customer's message is applied on the site by this script run with the bench's Python
(`--setup`, as the bench's owner). Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import (
	ARTIFACTS,
	Desk,
	argument_parser,
	as_bench_user,
	assert_no_script_ran,
	browser,
	screenshot,
	wait_for,
	wait_for_text,
)

MARKUP = '<img src=x onerror="window.__xss=1">'


def setup(site: str) -> dict[str, str]:
	"""On the site: a Contact, then a message from its number applied by the webhook service."""
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	try:
		from whatsapp_integration.site.services import webhook_service
		from whatsapp_integration.testing import webhook_payloads as payloads
		from whatsapp_integration.tests import webhook_utils

		webhook_utils.configure_webhook()
		wa_id = webhook_utils.unique_number()
		contact = frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": f"Conversation Check {wa_id[-4:]}",
				"phone_nos": [{"phone": "+" + wa_id, "is_primary_mobile_no": 1}],
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		wamid = f"wamid.{frappe.generate_hash(length=12)}"
		message = payloads.text_message(wamid, f"Hi {MARKUP}", wa_id=wa_id, timestamp=str(int(time.time())))
		sender = payloads.contact(wa_id, f"Ana {MARKUP}")
		change = webhook_utils.messages_change(messages=[message], contacts=[sender])
		webhook_service().process(payloads.encode(payloads.envelope([change])))
		conversation = frappe.db.get_value("WhatsApp Conversation", {"contact_number": "+" + wa_id}, "name")
		return {"contact": contact.name, "conversation": conversation}
	finally:
		frappe.destroy()


def on_site(args: argparse.Namespace) -> dict[str, str]:
	command = shlex.join(["../env/bin/python", str(Path(__file__).resolve()), "--setup", "--site", args.site])
	shell = f"cd {shlex.quote(args.bench)}/sites && {command}"
	output = subprocess.run(as_bench_user(args, shell), check=True, capture_output=True, text=True).stdout
	return json.loads(output.strip().splitlines()[-1])


def check(args: argparse.Namespace, made: dict[str, str]) -> None:
	ARTIFACTS.mkdir(exist_ok=True)
	desk = Desk.of(args)
	driver = browser(desk, args.site, args.password)
	try:
		driver.get(f"{desk.site_url}/app/contact/{made['contact']}")
		wait_for_text(driver, ".new-timeline", f"Hi {MARKUP}")
		driver.execute_script("document.querySelector('.whatsapp-timeline-item').scrollIntoView()")
		time.sleep(1)
		screenshot(driver, "conversation-contact-timeline.png")
		assert_no_script_ran(driver, "Contact timeline")
		driver.get(f"{desk.site_url}/app/whatsapp-conversation/{made['conversation']}")
		wait_for_text(driver, ".page-actions", "Open in chat")
		wait_for_text(driver, ".page-actions", "Resolve")
		wait_for_text(driver, ".frappe-control[data-fieldname='last_message_preview']", f"Hi {MARKUP}")
		screenshot(driver, "conversation-form.png")
		assert_no_script_ran(driver, "Conversation form")
		driver.get(f"{desk.site_url}/app/whatsapp-conversation?name={made['conversation']}")
		wait_for(driver, ".frappe-list .result")
		time.sleep(1)
		screenshot(driver, "conversation-list.png")
		assert_no_script_ran(driver, "Conversation list")
	finally:
		driver.quit()
	print(f"ok: conversations (screenshots in {ARTIFACTS})")


def main() -> int:
	parser = argument_parser(__doc__, url="http://127.0.0.1:8011", site="test.localhost")
	parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.setup:
		print(json.dumps(setup(args.site)))
		return 0
	check(args, on_site(args))
	return 0


if __name__ == "__main__":
	sys.exit(main())
