"""Browser checks of the desk in Persian and Arabic (issue #15) in headless Chromium against a
running `bench serve`: the page is right-to-left, a known label shows translated (from the app's
locale/<lang>.po), and phone numbers read left to right inside the right-to-left text (the "+" is
drawn left of the last digit, not after it). Screenshots go to test-artifacts/rtl-<lang>-<page>.png.

	su - frappe -c "cd /opt/frappe-bench && bench --site demo.localhost serve --port 8051" &
	.venv/bin/python scripts/rtl_browser_checks.py --url http://127.0.0.1:8051 --site demo.localhost

The site needs the demo data (`bench --site S execute whatsapp_integration.site.demo.load_demo_data`:
a Sandbox device, contacts and their conversations) and compiled catalogs (`bench build --app
whatsapp_integration`, then `bench --site S clear-cache`). The checks log in as users of their own
(language fa and ar, WhatsApp Manager), so Administrator and the other checks stay in English, and
add one Official device with a number (the form, its number health and the device list).

Pages: the Device form (rtl-fa-device.png), the Device and Message Log lists
(rtl-fa-device-list.png, rtl-fa-message-log-list.png), the Send WhatsApp dialog on a Contact with
its phone table (rtl-fa-send-dialog.png), the analytics report (rtl-fa-report.png), the chat page
with a conversation open (rtl-fa-chat.png, rtl-ar-chat.png).
Exits non-zero when a check fails.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path
from typing import Any

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import (
	ARTIFACTS,
	Desk,
	argument_parser,
	browser,
	screenshot,
	settle,
	wait_for,
	wait_for_text,
)

LOCALE = Path(__file__).resolve().parent.parent / "whatsapp_integration" / "locale"
USER_PASSWORD = "Rtl-check-pw-2026!"
DEVICE = "RTL Check Official"
DEVICE_NUMBER = "+31612345600"
CUSTOMER = "Ada Lovelace"  # a demo contact with a conversation
CHECKS = ("device", "lists", "send dialog", "report", "chat")

# Where the characters of a number element's text are drawn: its first and last visible
# character's left edge, the text in logical order and the element's computed direction.
DRAWN = """
const element = arguments[0];
const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
let node = walker.nextNode();
while (node && !node.data.trim()) node = walker.nextNode();
if (!node) return null;
const first = node.data.search(/\\S/);
const last = node.data.trimEnd().length - 1;
const left = (i) => {
	const range = document.createRange();
	range.setStart(node, i);
	range.setEnd(node, i + 1);
	return range.getBoundingClientRect().left;
};
return {
	text: node.data.trim(),
	direction: getComputedStyle(node.parentElement).direction,
	first: left(first),
	last: left(last),
};
"""


def catalog(lang: str) -> dict[str, str]:
	"""The app's translations (msgid -> msgstr) of one language, single-line entries only."""
	entries: dict[str, str] = {}
	msgid = None
	for line in (LOCALE / f"{lang}.po").read_text(encoding="utf-8").splitlines():
		if line.startswith("msgid "):
			msgid = ast.literal_eval(line[6:])
		elif line.startswith("msgstr ") and msgid:
			entries[msgid] = ast.literal_eval(line[7:])
			msgid = None
	return entries


class Check:
	"""One language's browser, its user's translations and the site's demo records."""

	def __init__(self, args: argparse.Namespace, desk: Desk, lang: str) -> None:
		self.args, self.desk, self.lang = args, desk, lang
		self.translations = catalog(lang)
		self.user = f"wa-rtl-{lang}@example.com"
		self.driver = browser(desk, args.site, USER_PASSWORD, user=self.user_with_language())

	def tr(self, text: str) -> str:
		translated = self.translations.get(text)
		assert translated, f"{self.lang}.po has no translation of {text!r}"
		return translated

	def user_with_language(self) -> str:
		"""This language's user, made once: saving a user again (its password) would log out the
		browser of a run that is going on at the same time."""
		found = self.desk.call(
			"GET", "/api/resource/User", params={"filters": f'[["name","=","{self.user}"]]'}
		)
		if not found["data"]:
			doc = {
				"email": self.user,
				"first_name": f"RTL {self.lang}",
				"send_welcome_email": 0,
				"language": self.lang,
				"new_password": USER_PASSWORD,
				"roles": [{"role": "System Manager"}, {"role": "WhatsApp Manager"}],
			}
			self.desk.call("POST", "/api/resource/User", json=doc)
		return self.user

	def open(self, path: str, ready: str) -> None:
		self.driver.get(f"{self.desk.site_url}{path}")
		wait_for(self.driver, ready)
		direction = self.driver.execute_script("return document.documentElement.dir")
		assert direction == "rtl", f"{path} in {self.lang}: <html dir={direction!r}>, not rtl"

	def shows(self, css: str, text: str) -> None:
		"""`text` (an English label) shows translated in the element of `css`."""
		wait_for_text(self.driver, css, self.tr(text))

	def screenshot(self, page: str) -> None:
		self.driver.execute_script("window.scrollTo(0, 0)")  # clicks scroll the page under its sticky head
		settle()
		screenshot(self.driver, f"rtl-{self.lang}-{page}.png")


def reads_left_to_right(driver: WebDriver, element: WebElement, starts: str, where: str) -> None:
	drawn = driver.execute_script(DRAWN, element)
	assert drawn, f"{where}: no text"
	assert drawn["text"].startswith(starts), f"{where}: {drawn['text']!r} does not start with {starts!r}"
	assert drawn["first"] < drawn["last"], f"{where}: {drawn['text']!r} is drawn right to left: {drawn}"


def input_is_ltr(driver: WebDriver, element: WebElement, value: str, where: str) -> None:
	direction = driver.execute_script("return getComputedStyle(arguments[0]).direction", element)
	shown = element.get_attribute("value").replace(" ", "")
	assert (direction, shown) == ("ltr", value), f"{where}: input {shown!r} is {direction}"


def official_device(desk: Desk) -> None:
	"""An Official device with a number and number health (the Device form's LTR tokens)."""
	doc = {
		"device_name": DEVICE,
		"mode": "Official",
		"phone_number": DEVICE_NUMBER,
		"phone_number_id": "100200300400500",
		"waba_id": "900800700600500",
		"quality_rating": "GREEN",
		"messaging_limit_tier": "TIER_1K",
		"enabled": 0,  # never chosen for a send
	}
	if desk.call("GET", "/api/resource/WhatsApp Device", params={"filters": f'[["name","=","{DEVICE}"]]'})[
		"data"
	]:
		desk.call("PUT", f"/api/resource/WhatsApp Device/{DEVICE}", json=doc)
	else:
		desk.call("POST", "/api/resource/WhatsApp Device", json=doc)


def check_device(check: Check) -> None:
	driver = check.driver
	check.open(f"/app/whatsapp-device/{DEVICE}", ".frappe-control[data-fieldname='phone_number'] input")
	check.shows(".frappe-control[data-fieldname='phone_number'] .control-label", "Phone Number")
	number = driver.find_element(By.CSS_SELECTOR, ".frappe-control[data-fieldname='phone_number'] input")
	input_is_ltr(driver, number, DEVICE_NUMBER, "Device form phone number")
	tier = wait_for(
		driver, ".frappe-control[data-fieldname='messaging_limit_tier'] .control-value .whatsapp-ltr"
	)
	reads_left_to_right(driver, tier, "TIER_1K", "Device form messaging limit")
	check.screenshot("device")


def check_lists(check: Check) -> None:
	"""A number in a list column (our formatter) and as a list's title (Frappe writes it as text)."""
	driver = check.driver
	check.open("/app/whatsapp-device?name=" + requests.utils.quote(DEVICE), ".frappe-list .whatsapp-ltr")
	check.shows(".page-head .title-text", "WhatsApp Device")
	shown = driver.find_element(By.CSS_SELECTOR, ".frappe-list .list-row .whatsapp-ltr")
	reads_left_to_right(driver, shown, DEVICE_NUMBER, "Device list phone number")
	check.screenshot("device-list")
	check.open("/app/whatsapp-message-log?direction=Outbound", ".frappe-list .list-row .list-subject a")
	check.shows(".page-head .title-text", "WhatsApp Message Log")
	title = driver.find_element(By.CSS_SELECTOR, ".frappe-list .list-row .list-subject a")
	reads_left_to_right(driver, title, "+", "Message Log list's number")
	check.screenshot("message-log-list")


def check_send_dialog(check: Check) -> None:
	driver = check.driver
	check.open(f"/app/contact/{requests.utils.quote(CUSTOMER)}", ".page-actions")
	label = check.tr("Send WhatsApp")
	phone = wait_for(driver, ".grid-body .grid-static-col[data-fieldname='phone'] .static-area")
	reads_left_to_right(driver, phone, "+31", "Contact's phone numbers table")
	button = driver.find_element(By.XPATH, f"//button[contains(normalize-space(.), '{label}')]")
	button.click()
	wait_for_text(driver, ".modal.show .modal-title", label)
	to = wait_for(driver, ".modal.show input[data-fieldname='to']")
	number = driver.execute_script("return cur_dialog.get_value('to')").replace(" ", "")
	input_is_ltr(driver, to, number, "Send WhatsApp dialog's To")
	example = driver.find_element(
		By.CSS_SELECTOR, ".modal.show .frappe-control[data-fieldname='to'] .whatsapp-ltr"
	)
	reads_left_to_right(driver, example, "+91", "Send WhatsApp dialog's example number")
	message = driver.find_element(By.CSS_SELECTOR, ".modal.show textarea[data-fieldname='text']")
	message.send_keys("سلام، سفارش شما ارسال شد.\nHello, your order has shipped!")
	bidi = driver.execute_script("return getComputedStyle(arguments[0]).unicodeBidi", message)
	assert bidi == "plaintext", f"the message box sets each line's direction by its words: {bidi}"
	check.screenshot("send-dialog")


def check_report(check: Check) -> None:
	check.open("/app/query-report/WhatsApp Message Analytics", ".report-summary")
	wait_for(check.driver, ".chart-container svg")
	check.shows(".page-head .title-text", "WhatsApp Message Analytics")
	check.screenshot("report")


def conversation_of(desk: Desk, number: str) -> dict[str, Any]:
	found = desk.call(
		"GET",
		"/api/resource/WhatsApp Conversation",
		params={"filters": f'[["contact_number","=","{number}"]]', "fields": '["name","contact_number"]'},
	)["data"]
	assert found, f"no conversation with {number}: load the demo data first"
	return found[0]


def check_chat(check: Check) -> None:
	driver, desk = check.driver, check.desk
	number = desk.call("GET", f"/api/resource/Contact/{requests.utils.quote(CUSTOMER)}")["data"]["mobile_no"]
	conversation = conversation_of(desk, number)
	check.open("/app/whatsapp-chat", f".wa-list-item[data-name='{conversation['name']}']")
	driver.find_element(By.CSS_SELECTOR, f".wa-list-item[data-name='{conversation['name']}']").click()
	shown = wait_for(driver, ".wa-thread-number")
	reads_left_to_right(driver, shown, number, "chat header's number")
	check.shows(".page-head", "WhatsApp Chat")
	check.screenshot("chat")


def main() -> int:
	parser = argument_parser(__doc__.splitlines()[0], url="http://127.0.0.1:8051", site="demo.localhost")
	parser.add_argument("--only", action="append", choices=CHECKS, help="run only this check (repeatable)")
	args = parser.parse_args()
	ARTIFACTS.mkdir(exist_ok=True)
	desk = Desk.of(args)
	official_device(desk)
	checks = {
		"device": check_device,
		"lists": check_lists,
		"send dialog": check_send_dialog,
		"report": check_report,
		"chat": check_chat,
	}
	runs = [
		("fa", args.only or CHECKS),
		("ar", [name for name in ("chat",) if name in (args.only or CHECKS)]),
	]
	for lang, names in runs:
		if not names:
			continue
		check = Check(args, desk, lang)
		try:
			for name in names:
				checks[name](check)
				print(f"ok: {lang} {name}")
		except Exception:
			screenshot(check.driver, f"rtl-{lang}-failure.png")
			raise
		finally:
			check.driver.quit()
	print(f"screenshots in {ARTIFACTS}")
	return 0


if __name__ == "__main__":
	sys.exit(main())
