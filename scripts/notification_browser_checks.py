"""Browser checks of the WhatsApp Notification form in headless Chromium against a running
`bench serve`, with Meta played by a fake Graph API started here: a rule on ToDo with a template
whose parameters are mapped to the ToDo's description (carrying HTML) and its name; the form's
Preview dialog shows the rendered parameters as text; after the rule's job ran (through
`bench execute`, as the bench's owner) the form's Activity shows the message. Screenshots go to
test-artifacts/notification-*.png. Exits non-zero when a check fails.

	su - frappe -c "cd $BENCH && bench --site b1.localhost serve --port 8021"   # --site: not the default site
	.venv/bin/python scripts/notification_browser_checks.py --url http://127.0.0.1:8021 \\
		--site b1.localhost --bench /opt/frappe-bench
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import (
	ARTIFACTS,
	MARKUP,
	Desk,
	argument_parser,
	assert_no_script_ran,
	bench_execute,
	browser,
	fake_meta,
	screenshot,
	settle,
	unique_suffix,
	wait_for,
	wait_for_text,
)

from whatsapp_integration.testing.fake_graph import FakeGraphApi

TOKEN = "notification-check-token"
NUMBER = "+919876500021"
RULE = "/api/resource/WhatsApp Notification"


def new_rule(desk: Desk, template: str) -> str:
	doc = {
		"title": f"Browser check {unique_suffix()}",
		"document_type": "ToDo",
		"event": "New",
		"message_type": "Template",
		"template": template,
		"recipients": [{"source": "Fixed Number", "number": NUMBER}],
		"parameters": [
			{"position": 1, "expression": "{{ description | truncate(60) }}"},
			{"position": 2, "field": "name"},
		],
	}
	return desk.call("POST", RULE, json=doc)["data"]["name"]


def check_preview(driver: WebDriver, base: str, rule: str, todo: str) -> None:
	driver.get(f"{base}/app/whatsapp-notification/{rule}")
	wait_for(driver, ".frappe-control[data-fieldname='recipients']")
	settle()
	screenshot(driver, "notification-form.png")
	button = next(
		b for b in driver.find_elements(By.CSS_SELECTOR, ".page-actions button") if b.text == "Preview"
	)
	button.click()
	wait_for(driver, ".modal.show input[data-fieldname='document']")
	WebDriverWait(driver, 30).until(lambda d: d.execute_script("return Boolean(window.cur_dialog)"))
	driver.execute_script("return cur_dialog.set_value('document', arguments[0])", todo)
	settle(1.0)
	driver.find_element(By.CSS_SELECTOR, ".modal.show .btn-primary").click()
	wait_for_text(driver, ".modal.show .frappe-control[data-fieldname='result']", "{{2}} = " + todo)
	result = driver.find_element(By.CSS_SELECTOR, ".modal.show .frappe-control[data-fieldname='result']").text
	assert "<img src=" in result, f"the description's markup is not shown as text: {result!r}"
	assert NUMBER in result, f"the recipient is missing from the preview: {result!r}"
	settle(0.5)
	screenshot(driver, "notification-preview.png")
	assert_no_script_ran(driver, "notification preview")


def check_activity(driver: WebDriver, base: str, rule: str) -> None:
	driver.get(f"{base}/app/whatsapp-notification/{rule}")
	wait_for_text(driver, ".frappe-control[data-fieldname='activity_html']", NUMBER)
	settle()
	element = driver.find_element(By.CSS_SELECTOR, ".frappe-control[data-fieldname='activity_html']")
	driver.execute_script("arguments[0].scrollIntoView()", element)
	settle(0.5)
	screenshot(driver, "notification-activity.png")
	assert "Sent" in element.text, f"the activity shows no sent message: {element.text!r}"
	assert_no_script_ran(driver, "notification activity")


def run_checks(args: argparse.Namespace, desk: Desk, graph: FakeGraphApi) -> None:
	driver = browser(desk, args.site, args.password)
	rule = new_rule(desk, desk.template())
	try:
		todo = desk.call("POST", "/api/resource/ToDo", json={"description": f"Call Ada {MARKUP}"})["data"]
		check_preview(driver, desk.site_url, rule, todo["name"])
		print("ok: preview")
		bench_execute(
			args,
			"whatsapp_integration.site.notifications.evaluate_document",
			"ToDo",
			todo["name"],
			{rule: "New"},
			todo["modified"],
		)
		assert [r.body["to"] for r in graph.message_requests()] == [NUMBER.lstrip("+")]
		check_activity(driver, desk.site_url, rule)
		print("ok: activity")
	except Exception:
		screenshot(driver, "failure.png")
		raise
	finally:
		driver.quit()
		desk.call("PUT", f"{RULE}/{rule}", json={"enabled": 0})


def main() -> int:
	parser = argument_parser(__doc__, url="http://127.0.0.1:8021", site="b1.localhost")
	parser.add_argument("--graph-port", type=int, default=8721)
	args = parser.parse_args()
	ARTIFACTS.mkdir(exist_ok=True)
	desk = Desk.of(args)
	with fake_meta(desk, TOKEN, args.graph_port) as graph:
		run_checks(args, desk, graph)
	print(f"screenshots in {ARTIFACTS}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
