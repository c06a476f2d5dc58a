"""Browser checks of the desk experience against a running `bench serve`: the WhatsApp workspace,
the analytics report, the Send WhatsApp dialog (and a real send into the document's timeline; a
template; a file attached to the document, uploaded to Meta and sent as a document),
a failed Message Log's Retry button, and customer text carrying HTML (an inbound message whose text
and sender name hold an `onerror` handler) shown literally on the Message Log form, in its list,
in the analytics report and in a Contact's timeline, in headless Chromium. Screenshots go to
test-artifacts/.

    cd "$FRAPPE_BENCH" && bench serve --port 8005 &
    .venv/bin/python scripts/browser_checks.py --url http://127.0.0.1:8005 --site test.localhost

(`--bench` or `$FRAPPE_BENCH`: the bench folder.)

The inbound message is stored the way the webhook stores it (verbatim, no HTML sanitising) through
`bench execute`, run as the bench's owner (--bench, --bench-user).

Sends go to a fake Graph API started here (Settings point at it during the run, then back).
Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_media_upload import uploads

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CONTACT = "WA Browser Check"
NUMBER = "+919876543210"
TOKEN = "browser-check-token"
TEMPLATE = "browser_check_order_update"
SETTINGS = "/api/resource/WhatsApp Integration Settings/WhatsApp Integration Settings"
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
DEVICE = "WA Browser Check Device"
OFFICIAL_DEVICE = "WA Browser Check Official"
LINKED_BY = "+4915112345678"
MARKUP = "<img src=x onerror=window.__xss=1>"
# inbound content (issue #12): the title of the button a customer chose, why their file was refused
INBOUND_CONTENT_FIELDS = ("reply_title", "media_error")


class Desk:
	def __init__(self, url: str, site: str, password: str) -> None:
		self.url = url.rstrip("/")
		self.http = requests.Session()
		self.http.headers["Host"] = site
		self.http.headers["Accept"] = "application/json"
		response = self.http.post(
			f"{self.url}/api/method/login", data={"usr": "Administrator", "pwd": password}
		)
		response.raise_for_status()

	def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
		response = self.http.request(method, f"{self.url}{path}", **kwargs)
		if not response.ok:
			raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
		return response.json()

	def template(self) -> str:
		name = f"{TEMPLATE}-en_US"
		if not self.call(
			"GET", "/api/resource/WhatsApp Template", params={"filters": f'[["name","=","{name}"]]'}
		)["data"]:
			doc = {
				"template_name": TEMPLATE,
				"language": "en_US",
				"status": "APPROVED",
				"category": "UTILITY",
			}
			self.call(
				"POST",
				"/api/resource/WhatsApp Template",
				json={**doc, "body": "Hi {{1}}, order {{2}} shipped", "body_examples": "Ada\nSO-0001"},
			)
		return name

	def contact(self) -> str:
		found = self.call(
			"GET", "/api/resource/Contact", params={"filters": f'[["first_name","=","{CONTACT}"]]'}
		)
		if found["data"]:
			return found["data"][0]["name"]
		doc = {"first_name": CONTACT, "phone_nos": [{"phone": NUMBER, "is_primary_mobile_no": 1}]}
		return self.call("POST", "/api/resource/Contact", json=doc)["data"]["name"]


def browser(desk: Desk, site: str, password: str) -> WebDriver:
	"""Chromium with a session of its own (sharing the API session's sid would give it a CSRF token
	that the API calls here do not send)."""
	options = webdriver.ChromeOptions()
	options.binary_location = "/usr/bin/chromium"
	for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1500"):
		options.add_argument(argument)
	options.add_argument(f"--host-resolver-rules=MAP {site} 127.0.0.1")
	driver = webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)
	driver.get(f"{desk.site_url}/login")
	for cookie in Desk(desk.url, site, password).http.cookies:
		driver.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
	return driver


def wait_for(driver: WebDriver, css: str, timeout: float = 30) -> Any:
	return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_text(driver: WebDriver, css: str, text: str, timeout: float = 30) -> None:
	WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def settle(seconds: float = 1.5) -> None:
	"""Charts and number cards animate in; a screenshot a moment later shows them drawn."""
	time.sleep(seconds)


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
	driver.save_screenshot(str(ARTIFACTS / "workspace.png"))


def check_report(driver: WebDriver, base: str) -> None:
	driver.get(f"{base}/app/query-report/WhatsApp Message Analytics")
	wait_for(driver, ".report-summary")
	wait_for(driver, ".chart-container svg")
	wait_for_text(driver, ".report-wrapper, .layout-main-section", "Funnel")
	settle()
	driver.save_screenshot(str(ARTIFACTS / "report.png"))


def check_send_dialog(driver: WebDriver, base: str, contact: str) -> None:
	driver.get(f"{base}/app/contact/{contact}")
	button = WebDriverWait(driver, 30).until(
		ec.element_to_be_clickable((By.XPATH, "//button[contains(normalize-space(.), 'Send WhatsApp')]"))
	)
	button.click()
	dialog = wait_for(driver, ".modal.show")
	wait_for_text(driver, ".modal.show .modal-title", "Send WhatsApp")
	number = dialog.find_element(By.CSS_SELECTOR, "input[data-fieldname='to']").get_attribute("value")
	assert number.replace(" ", "") == NUMBER, f"the dialog shows {number!r}, not the contact's number"
	text = f"Hello from the browser check at {time.strftime('%H:%M:%S')}"
	dialog.find_element(By.CSS_SELECTOR, "textarea[data-fieldname='text']").send_keys(text)
	settle(0.5)
	driver.save_screenshot(str(ARTIFACTS / "send-dialog.png"))
	dialog.find_element(By.CSS_SELECTOR, ".modal-footer .btn-primary").click()
	item = WebDriverWait(driver, 30).until(
		ec.presence_of_element_located(
			(By.XPATH, f"//*[contains(@class, 'whatsapp-timeline-item')][contains(., '{text}')]")
		)
	)
	driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", item)
	settle()
	driver.save_screenshot(str(ARTIFACTS / "timeline.png"))


def check_template_dialog(
	driver: WebDriver, base: str, contact: str, template: str, graph: FakeGraphApi
) -> None:
	driver.get(f"{base}/app/contact/{contact}")
	WebDriverWait(driver, 30).until(
		ec.element_to_be_clickable((By.XPATH, "//button[contains(normalize-space(.), 'Send WhatsApp')]"))
	).click()
	wait_for_text(driver, ".modal.show .modal-title", "Send WhatsApp")
	driver.execute_script("cur_dialog.set_value('kind', 'Template')")
	driver.execute_script(f"cur_dialog.set_value('template', {template!r})")
	parameters = wait_for(driver, ".modal.show textarea[data-fieldname='parameters']")
	parameters.send_keys("Ada\nSO-0001")
	settle(0.5)
	driver.save_screenshot(str(ARTIFACTS / "send-dialog-template.png"))
	driver.find_element(By.CSS_SELECTOR, ".modal.show .modal-footer .btn-primary").click()
	WebDriverWait(driver, 30).until(
		lambda _: any("template" in (r.body or {}) for r in graph.message_requests())
	)
	sent = next(r.body["template"] for r in graph.message_requests() if "template" in (r.body or {}))
	values = [p["text"] for p in sent["components"][0]["parameters"]]
	assert (sent["name"], values) == (TEMPLATE, ["Ada", "SO-0001"]), sent


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
	device = desk.call("GET", "/api/resource/WhatsApp Device", params={"filters": '[["is_default","=",1]]'})[
		"data"
	][0]["name"]
	bench_execute(args, "whatsapp_integration.tests.utils.customer_wrote", NUMBER, device)
	driver.get(f"{base}/app/contact/{contact}")
	WebDriverWait(driver, 30).until(
		ec.element_to_be_clickable((By.XPATH, "//button[contains(normalize-space(.), 'Send WhatsApp')]"))
	).click()
	wait_for_text(driver, ".modal.show .modal-title", "Send WhatsApp")
	driver.execute_script("cur_dialog.set_value('kind', 'Media')")
	wait_for(driver, ".modal.show select[data-fieldname='media_file']")
	driver.execute_script(f"cur_dialog.set_value('media_file', {file_url!r})")
	caption = wait_for(driver, ".modal.show textarea[data-fieldname='text']")
	caption.send_keys("Your invoice")
	WebDriverWait(driver, 10).until(
		lambda d: d.execute_script("return cur_dialog.get_value('media_kind')") == "document"
	)
	settle(0.5)
	driver.save_screenshot(str(ARTIFACTS / "send-dialog-media.png"))
	driver.find_element(By.CSS_SELECTOR, ".modal.show .modal-footer .btn-primary").click()
	WebDriverWait(driver, 30).until(
		lambda _: any("document" in (r.body or {}) for r in graph.message_requests())
	)
	sent = next(r.body["document"] for r in graph.message_requests() if "document" in (r.body or {}))
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
	driver.save_screenshot(str(ARTIFACTS / "message-log-retry.png"))


def bench_execute(args: argparse.Namespace, method: str, *arguments: Any) -> None:
	command = shlex.join(
		["bench", "--site", args.site, "execute", method, "--args", json.dumps(list(arguments))]
	)
	shell = f"cd {shlex.quote(args.bench)} && {command}"
	if os.geteuid() == 0 and args.bench_user != "root":
		subprocess.run(["su", "-", args.bench_user, "-c", shell], check=True, capture_output=True)
	else:
		subprocess.run(["bash", "-c", shell], check=True, capture_output=True)


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


def unique_suffix() -> str:
	return time.strftime("%H%M%S") + f"{time.time_ns() % 1000:03d}"


def assert_no_script_ran(driver: WebDriver, where: str) -> None:
	ran = driver.execute_script("return window.__xss")
	assert ran is None, f"{where}: customer text ran as HTML (window.__xss = {ran!r})"
	images = driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length")
	assert not images, f"{where}: customer text became {images} <img> element(s)"


def show_literally(driver: WebDriver, css: str, text: str, where: str, screenshot: str) -> None:
	wait_for_text(driver, css, text)
	settle()
	driver.save_screenshot(str(ARTIFACTS / screenshot))
	assert_no_script_ran(driver, where)


def ensure_device(desk: Desk) -> None:
	"""A Web device of the checks; it stays disabled, so no session host links it."""
	if not desk.call(
		"GET", "/api/resource/WhatsApp Device", params={"filters": f'[["name","=","{DEVICE}"]]'}
	)["data"]:
		doc = {"device_name": DEVICE, "mode": "Web", "enabled": 0, "phone_number": NUMBER, "is_default": 0}
		desk.call("POST", "/api/resource/WhatsApp Device", json=doc)


def check_device_form(driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace) -> None:
	"""A stored QR that is no PNG data URL is not drawn (its src cannot run script), and a session
	linked by another phone shows the mismatch."""
	ensure_device(desk)
	session = {
		"web_state": "SCAN_QR_CODE",
		"web_qr_image": 'x" onerror="window.__xss=1',
		"web_linked_number": LINKED_BY,
		"web_number_mismatch": 1,
	}
	bench_execute(args, "frappe.db.set_value", "WhatsApp Device", DEVICE, session)
	driver.get(f"{base}/app/whatsapp-device/{DEVICE}")
	show_literally(driver, ".form-message", f"Linked by {LINKED_BY}", "Device form", "device-form.png")
	drawn = driver.find_elements(By.CSS_SELECTOR, ".whatsapp-qr img")
	assert not drawn, "the Device form drew a QR that is no PNG data URL"


def check_number_health(driver: WebDriver, base: str, desk: Desk, args: argparse.Namespace) -> None:
	"""An Official device shows Meta's quality rating and messaging limit as indicators and the
	last failed health check's error (Meta's words) literally."""
	if not desk.call(
		"GET", "/api/resource/WhatsApp Device", params={"filters": f'[["name","=","{OFFICIAL_DEVICE}"]]'}
	)["data"]:
		doc = {"device_name": OFFICIAL_DEVICE, "mode": "Official", "enabled": 0}
		doc["phone_number_id"] = "109800700600"
		desk.call("POST", "/api/resource/WhatsApp Device", json=doc)
	health = {"quality_rating": "RED", "messaging_limit_tier": "TIER_1K", "number_status": "FLAGGED"}
	health["health_error"] = f"Meta said {MARKUP}"
	bench_execute(args, "frappe.db.set_value", "WhatsApp Device", OFFICIAL_DEVICE, health)
	driver.get(f"{base}/app/whatsapp-device/{OFFICIAL_DEVICE}")
	wait_for_text(driver, ".form-dashboard", "Quality: RED")
	wait_for_text(driver, ".form-dashboard", "Messaging limit: TIER_1K")
	show_literally(driver, ".form-message", f"Meta said {MARKUP}", "Device form", "device-number-health.png")


def check_template_form(driver: WebDriver, base: str, desk: Desk) -> None:
	"""The template form's preview: a WhatsApp bubble with header, body (examples in place of the
	variables), footer and buttons; example values carrying HTML are shown as text."""
	name = f"browser_check_preview_{unique_suffix()}"
	doc = {
		"template_name": name,
		"language": "en_US",
		"category": "MARKETING",
		"header_format": "TEXT",
		"header_text": "Your order {{1}}",
		"header_example": "SO-0001",
		"body": "Hi {{1}}, your order is *ready*. Use code {{2}} for _10% off_ your next order.",
		"body_examples": f"Ada {MARKUP}\nSAVE10",
		"footer": "Reply STOP to unsubscribe",
		"buttons": [
			{"button_type": "QUICK_REPLY", "text": "Thanks!"},
			{
				"button_type": "URL",
				"text": "Track order",
				"url": "https://example.com/t/{{1}}",
				"url_example": "SO-1",
			},
			{"button_type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550100200"},
		],
	}
	created = desk.call("POST", "/api/resource/WhatsApp Template", json=doc)["data"]["name"]
	driver.get(f"{base}/app/whatsapp-template/{created}")
	wait_for(driver, ".wa-preview .wa-bubble")
	driver.execute_script("document.querySelector('.wa-preview').scrollIntoView({block: 'center'})")
	# Frappe drops the onerror attribute on save; what is left must still show as text
	show_literally(driver, ".wa-preview .wa-body", "Ada <img src=", "Template preview", "template-form.png")
	assert not driver.find_elements(By.CSS_SELECTOR, ".wa-preview .wa-body img"), "an example became HTML"
	for text in ("Your order SO-0001", "Reply STOP to unsubscribe", "Track order", "Call us"):
		wait_for_text(driver, ".wa-preview", text)
	check_image_header_preview(driver, base, desk)


def check_image_header_preview(driver: WebDriver, base: str, desk: Desk) -> None:
	"""An image header shows its sample (a site file) in the bubble."""
	image = io.BytesIO()
	Image.new("RGB", (480, 240), (37, 211, 102)).save(image, format="PNG")
	uploaded = desk.http.post(
		f"{desk.url}/api/method/upload_file",
		files={"file": ("template-sample.png", image.getvalue(), "image/png")},
		data={"is_private": "0"},
	)
	uploaded.raise_for_status()
	doc = {
		"template_name": f"browser_check_image_{unique_suffix()}",
		"language": "en_US",
		"category": "MARKETING",
		"header_format": "IMAGE",
		"header_sample": uploaded.json()["message"]["file_url"],
		"body": "New arrivals are in, {{1}}! Show this message in store for a gift.",
		"body_examples": "Ada",
		"buttons": [{"button_type": "COPY_CODE", "example": "GIFT24"}],
	}
	created = desk.call("POST", "/api/resource/WhatsApp Template", json=doc)["data"]["name"]
	driver.get(f"{base}/app/whatsapp-template/{created}")
	wait_for(driver, ".wa-preview .wa-media img")
	driver.execute_script("document.querySelector('.wa-preview').scrollIntoView({block: 'center'})")
	settle()
	driver.save_screenshot(str(ARTIFACTS / "template-form-image.png"))


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


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--url", default="http://127.0.0.1:8005")
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--password", default="admin")
	parser.add_argument("--bench", default=os.environ.get("FRAPPE_BENCH"), help="the bench folder")
	parser.add_argument("--bench-user", default="frappe")
	parser.add_argument(
		"--only",
		action="append",
		choices=CHECKS,
		help="run only this check (repeatable), e.g. --only 'customer text'",
	)
	args = parser.parse_args()
	if not args.bench:
		parser.error("--bench (or $FRAPPE_BENCH) is required: the bench folder")
	ARTIFACTS.mkdir(exist_ok=True)
	desk = Desk(args.url, args.site, args.password)
	port = args.url.rsplit(":", 1)[-1].strip("/")
	desk.site_url = f"http://{args.site}:{port}"  # the browser must send the site's Host
	previous = desk.call("GET", SETTINGS)["data"]["graph_api_base_url"]
	with FakeGraphApi(access_token=TOKEN) as graph:
		desk.call("PUT", SETTINGS, json={"graph_api_base_url": graph.url, "access_token": TOKEN})
		driver = browser(desk, args.site, args.password)
		try:
			contact, template = desk.contact(), desk.template()
			xss = inbound_with_markup(desk, args, contact)
			checks = {
				"workspace": lambda: check_workspace(driver, desk.site_url),
				"report": lambda: check_report(driver, desk.site_url),
				"send dialog": lambda: check_send_dialog(driver, desk.site_url, contact),
				"template dialog": lambda: check_template_dialog(
					driver, desk.site_url, contact, template, graph
				),
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
			driver.save_screenshot(str(ARTIFACTS / "failure.png"))
			raise
		finally:
			driver.quit()
			desk.call("PUT", SETTINGS, json={"graph_api_base_url": previous or ""})
	print(f"screenshots in {ARTIFACTS}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
