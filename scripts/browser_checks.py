"""Browser checks of the desk experience against a running `bench serve`: the WhatsApp workspace,
the analytics report, the Send WhatsApp dialog (and a real send into the document's timeline; a
template; a file attached to the document, uploaded to Meta and sent as a document),
a failed Message Log's Retry button, and customer text carrying HTML (an inbound message whose text
and sender name hold an `onerror` handler) shown literally on the Message Log form, in its list,
in the analytics report and in a Contact's timeline, in headless Chromium. Screenshots go to
test-artifacts/.

    cd "$FRAPPE_BENCH" && bench serve --port 8005 &
    .venv/bin/python scripts/browser_checks.py --url http://127.0.0.1:8005 --site test.localhost

(`--bench` or `$FRAPPE_BENCH`: the bench folder, /opt/frappe-bench by default.)

The inbound message is stored the way the webhook stores it (verbatim, no HTML sanitising) through
`bench execute`, run as the bench's owner (--bench, --bench-user).

Sends go to a fake Graph API started here (Settings point at it during the run, then back).
Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import (
	ARTIFACTS,
	MARKUP,
	TEMPLATE,
	Desk,
	argument_parser,
	assert_no_script_ran,
	bench_execute,
	browser,
	fake_meta,
	screenshot,
	settle,
	show_literally,
	unique_suffix,
	wait_for,
	wait_for_text,
	wait_until,
)
from form_browser_checks import (
	DEVICE,
	NUMBER,
	check_device_form,
	check_number_health,
	check_template_form,
	ensure_device,
)

from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_media_upload import uploads

CONTACT = "WA Browser Check"
TOKEN = "browser-check-token"
LOG = "WhatsApp Message Log"
CHECKS = (
	"workspace",
	"report",
	"send dialog",
	"template dialog",
	"media dialog",
	"retry button",
	"customer text",
	"device form",
	"template form",
	"number health",
)
# inbound content (issue #12): the title of the button a customer chose, why their file was refused
INBOUND_CONTENT_FIELDS = ("reply_title", "media_error")


def contact_of_checks(desk: Desk) -> str:
	"""The Contact of the checks (with NUMBER), made once."""
	found = desk.call("GET", "/api/resource/Contact", params={"filters": f'[["first_name","=","{CONTACT}"]]'})
	if found["data"]:
		return found["data"][0]["name"]
	doc = {"first_name": CONTACT, "phone_nos": [{"phone": NUMBER, "is_primary_mobile_no": 1}]}
	return desk.call("POST", "/api/resource/Contact", json=doc)["data"]["name"]


def check_workspace(driver: WebDriver, base: str) -> None:
	driver.get(f"{base}/app/whatsapp")
	wait_for(driver, ".number-widget-box .widget-content .number")
	titles = [
		title.text.lower()
		for title in driver.find_elements(By.CSS_SELECTOR, ".number-widget-box .widget-title")
	]
	for expected in ("sent today", "delivery rate 7 days", "failed 24 h", "devices working", "queue depth"):
		assert any(expected in title for title in titles), f"no number card {expected!r} in {titles}"
	wait_for_text(driver, ".layout-main-section", "Message Log")
	wait_for(driver, ".widget.dashboard-widget-box .chart-container svg")
	settle(3)
	driver.execute_script("window.scrollTo(0, 0)")
	screenshot(driver, "workspace.png")


def check_report(driver: WebDriver, base: str) -> None:
	driver.get(f"{base}/app/query-report/WhatsApp Message Analytics")
	wait_for(driver, ".report-summary")
	wait_for(driver, ".chart-container svg")
	wait_for_text(driver, ".report-wrapper, .layout-main-section", "Funnel")
	settle()
	screenshot(driver, "report.png")


def open_send_dialog(driver: WebDriver, base: str, contact: str) -> Any:
	"""The contact's form, its Send WhatsApp button clicked: the dialog (a WebElement)."""
	driver.get(f"{base}/app/contact/{contact}")
	WebDriverWait(driver, 30).until(
		ec.element_to_be_clickable((By.XPATH, "//button[contains(normalize-space(.), 'Send WhatsApp')]"))
	).click()
	dialog = wait_for(driver, ".modal.show")
	wait_for_text(driver, ".modal.show .modal-title", "Send WhatsApp")
	return dialog


def customer_wrote(desk: Desk, args: argparse.Namespace) -> None:
	"""The customer (NUMBER) writes to the default device: its 24 h window is open for free text."""
	device = desk.call("GET", "/api/resource/WhatsApp Device", params={"filters": '[["is_default","=",1]]'})[
		"data"
	][0]["name"]
	bench_execute(args, "whatsapp_integration.tests.utils.customer_wrote", NUMBER, device)


def check_send_dialog(
	driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace, contact: str
) -> None:
	"""A text from the contact's Send WhatsApp dialog reaches the timeline (the customer wrote first:
	free text needs an open 24 h window)."""
	customer_wrote(desk, args)
	dialog = open_send_dialog(driver, base, contact)
	number = dialog.find_element(By.CSS_SELECTOR, "input[data-fieldname='to']").get_attribute("value")
	assert number.replace(" ", "") == NUMBER, f"the dialog shows {number!r}, not the contact's number"
	text = f"Hello from the browser check at {time.strftime('%H:%M:%S')}"
	dialog.find_element(By.CSS_SELECTOR, "textarea[data-fieldname='text']").send_keys(text)
	settle(0.5)
	screenshot(driver, "send-dialog.png")
	dialog.find_element(By.CSS_SELECTOR, ".modal-footer .btn-primary").click()
	item = WebDriverWait(driver, 30).until(
		ec.presence_of_element_located(
			(By.XPATH, f"//*[contains(@class, 'whatsapp-timeline-item')][contains(., '{text}')]")
		)
	)
	driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
	settle()
	screenshot(driver, "timeline.png")


def check_template_dialog(
	driver: WebDriver, base: str, contact: str, template: str, graph: FakeGraphApi
) -> None:
	open_send_dialog(driver, base, contact)
	driver.execute_script("cur_dialog.set_value('kind', 'Template')")
	driver.execute_script(f"cur_dialog.set_value('template', {template!r})")
	parameters = wait_for(driver, ".modal.show textarea[data-fieldname='parameters']")
	parameters.send_keys("Ada\nSO-0001")
	settle(0.5)
	screenshot(driver, "send-dialog-template.png")
	sent = submit_to_meta(driver, graph, "template")
	values = [p["text"] for p in sent["components"][0]["parameters"]]
	assert (sent["name"], values) == (TEMPLATE, ["Ada", "SO-0001"]), sent


def submit_to_meta(driver: WebDriver, graph: FakeGraphApi, kind: str) -> dict[str, Any]:
	"""Click the dialog's primary button; the `kind` object (template, document...) of the first
	message request that carries one, once Meta got it."""

	def sent() -> dict[str, Any] | None:
		return next((r.body[kind] for r in graph.message_requests() if kind in (r.body or {})), None)

	driver.find_element(By.CSS_SELECTOR, ".modal.show .modal-footer .btn-primary").click()
	return wait_until(sent, f"a {kind} message at the fake Graph API", 30)


def attach_pdf(desk: Desk, contact: str) -> str:
	"""A private PDF attached to the contact (new content each run, so it is uploaded to Meta)."""
	content = b"%PDF-1.4\n% browser check " + str(time.time()).encode() + b"\n%%EOF\n"
	response = desk.http.post(
		f"{desk.url}/api/method/upload_file",
		files={"file": ("WA Browser Check Invoice.pdf", content, "application/pdf")},
		data={"doctype": "Contact", "docname": contact, "is_private": "1"},
	)
	response.raise_for_status()
	return response.json()["message"]["file_url"]


def check_media_dialog(
	driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace, contact: str, graph: FakeGraphApi
) -> None:
	"""Send WhatsApp with a file: the contact's attachment, sent as a document (uploaded to Meta).
	A file is free-form: the contact writes to the default device first (the 24 h window)."""
	file_url = attach_pdf(desk, contact)
	customer_wrote(desk, args)
	open_send_dialog(driver, base, contact)
	driver.execute_script("cur_dialog.set_value('kind', 'Media')")
	wait_for(driver, ".modal.show select[data-fieldname='media_file']")
	driver.execute_script(f"cur_dialog.set_value('media_file', {file_url!r})")
	caption = wait_for(driver, ".modal.show textarea[data-fieldname='text']")
	caption.send_keys("Your invoice")
	WebDriverWait(driver, 10).until(
		lambda d: d.execute_script("return cur_dialog.get_value('media_kind')") == "document"
	)
	settle(0.5)
	screenshot(driver, "send-dialog-media.png")
	sent = submit_to_meta(driver, graph, "document")
	(upload,) = [u for u in uploads(graph) if u["filename"] == file_url.rsplit("/", 1)[-1]]
	assert sent == {"id": upload["id"], "caption": "Your invoice", "filename": upload["filename"]}, sent


def check_retry_button(driver: WebDriver, base: str, desk: Desk) -> None:
	failed = desk.call(
		"GET",
		"/api/resource/WhatsApp Message Log",
		params={"filters": '[["status","=","Failed"],["direction","=","Outbound"]]', "limit_page_length": 1},
	)["data"]
	if not failed:
		print("no failed message on the site: Retry button not checked")
		return
	driver.get(f"{base}/app/whatsapp-message-log/{failed[0]['name']}")
	WebDriverWait(driver, 30).until(
		ec.visibility_of_element_located((By.XPATH, "//button[contains(normalize-space(.), 'Retry')]"))
	)
	settle()
	screenshot(driver, "message-log-retry.png")


def inbound_with_markup(desk: Desk, args: argparse.Namespace, contact: str) -> tuple[str, str]:
	"""An inbound message from a customer whose text, name and caption carry HTML, stored as the
	webhook stores it (db_insert, verbatim): a REST insert would sanitise it."""
	text = f"Hi {MARKUP} {unique_suffix()}"
	doc = {
		"direction": "Inbound",
		"status": "Received",
		"message_type": "text",
		"from_number": NUMBER.lstrip("+"),
		"text": "placeholder",
		"contact": contact,
		"reference_doctype": "Contact",
		"reference_name": contact,
	}
	name = desk.call("POST", f"/api/resource/{LOG}", json=doc)["data"]["name"]
	markup = {"text": text, "profile_name": MARKUP, "media_caption": MARKUP, "error_reason": MARKUP}
	markup.update(dict.fromkeys(INBOUND_CONTENT_FIELDS, MARKUP), media_status="Refused")
	bench_execute(args, "frappe.db.set_value", LOG, name, markup)
	return name, text


def recipient_with_markup(desk: Desk, args: argparse.Namespace) -> str:
	"""A campaign recipient whose name (from a CSV or a document) carries HTML; returns its campaign."""
	ensure_device(desk)
	filters = {"filters": '[["campaign_name","=","WA Browser Check Campaign"]]'}
	found = desk.call("GET", "/api/resource/WhatsApp Campaign", params=filters)["data"]
	campaign = found[0]["name"] if found else None
	if campaign is None:
		doc = {"campaign_name": "WA Browser Check Campaign", "device": DEVICE, "message_type": "text"}
		campaign = desk.call("POST", "/api/resource/WhatsApp Campaign", json={**doc, "message": "Hi"})[
			"data"
		]["name"]
	row = {"campaign": campaign, "number": NUMBER, "recipient_name": "placeholder"}
	name = desk.call("POST", "/api/resource/WhatsApp Campaign Recipient", json=row)["data"]["name"]
	bench_execute(args, "frappe.db.set_value", "WhatsApp Campaign Recipient", name, "recipient_name", MARKUP)
	return campaign


def check_customer_text(
	driver: WebDriver, base: str, desk: Desk, name: str, text: str, contact: str, campaign: str
) -> None:
	driver.get(f"{base}/app/whatsapp-message-log/{name}")
	shown = (("text", text), ("profile_name", MARKUP), ("media_caption", MARKUP))
	for fieldname, expected in (*shown, *((fieldname, MARKUP) for fieldname in INBOUND_CONTENT_FIELDS)):
		css = f".frappe-control[data-fieldname='{fieldname}'] .control-value"
		show_literally(driver, css, expected, f"Message Log field {fieldname}", "xss-message-log.png")
	driver.get(f"{base}/app/whatsapp-message-log?name={name}")
	show_literally(driver, ".frappe-list .result", MARKUP, "Message Log list", "xss-list.png")
	check_report(driver, base)
	assert_no_script_ran(driver, "analytics report")
	driver.get(f"{base}/app/contact/{contact}")
	show_literally(driver, ".new-timeline", text, "Contact timeline", "xss-timeline.png")
	driver.get(f"{base}/app/whatsapp-campaign-recipient?campaign={campaign}")
	show_literally(driver, ".frappe-list .result", MARKUP, "Campaign Recipient list", "xss-recipients.png")


def run_checks(args: argparse.Namespace, desk: Desk, graph: FakeGraphApi) -> None:
	driver = browser(desk, args.site, args.password)
	try:
		contact, template = contact_of_checks(desk), desk.template()
		xss = inbound_with_markup(desk, args, contact)
		checks = {
			"workspace": lambda: check_workspace(driver, desk.site_url),
			"report": lambda: check_report(driver, desk.site_url),
			"send dialog": lambda: check_send_dialog(driver, desk.site_url, desk, args, contact),
			"template dialog": lambda: check_template_dialog(driver, desk.site_url, contact, template, graph),
			"media dialog": lambda: check_media_dialog(driver, desk.site_url, desk, args, contact, graph),
			"retry button": lambda: check_retry_button(driver, desk.site_url, desk),
			"device form": lambda: check_device_form(driver, desk.site_url, desk, args),
			"template form": lambda: check_template_form(driver, desk.site_url, desk),
			"number health": lambda: check_number_health(driver, desk.site_url, desk, args),
			"customer text": lambda: check_customer_text(
				driver, desk.site_url, desk, *xss, contact, recipient_with_markup(desk, args)
			),
		}
		for name in args.only or checks:
			checks[name]()
			print(f"ok: {name}")
		if {"send dialog", "template dialog", "media dialog"} & set(args.only or checks):
			assert graph.message_requests(), "the dialog's send never reached the Graph API"
	except Exception:
		screenshot(driver, "failure.png")
		raise
	finally:
		driver.quit()


def main() -> int:
	parser = argument_parser(__doc__, url="http://127.0.0.1:8005", site="test.localhost")
	parser.add_argument(
		"--only",
		action="append",
		choices=CHECKS,
		help="run only this check (repeatable), e.g. --only 'customer text'",
	)
	args = parser.parse_args()
	ARTIFACTS.mkdir(exist_ok=True)
	desk = Desk.of(args)
	with fake_meta(desk, TOKEN) as graph:
		run_checks(args, desk, graph)
	print(f"screenshots in {ARTIFACTS}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
