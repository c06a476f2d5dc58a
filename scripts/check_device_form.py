"""Tier-2 check of the WhatsApp Device form in a real browser against `bench serve`.

It logs in, opens a Web device, clicks WhatsApp Web > Link, waits for the QR code to arrive
on the open form (realtime, with a 3 s re-read as fallback; no reload), "scans" it on the fake WhatsApp Web page, and waits for the form to
say Linked with the QR gone and the linked-state buttons shown. Prerequisites (as the bench
user): a user with the WhatsApp Manager role and a password, a Web device, Settings' WhatsApp
Web base URL pointing at the fake page, and these running:

	python -m whatsapp_integration.testing.fake_whatsapp_web --port 8767
	node apps/frappe/socketio.js
	DEV_SERVER=1 bench serve --port 8004
	bench --site test.localhost whatsapp-web-host

	.venv/bin/python scripts/check_device_form.py --site-url http://127.0.0.1:8004 \
		--fake-url http://127.0.0.1:8767 --user u@example.com --password ... --device "My Device"
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_support import chromium

QR_IMAGE = "img[alt='WhatsApp QR code']"


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	for name in ("--site-url", "--fake-url", "--user", "--password", "--device"):
		parser.add_argument(name, required=True)
	arguments = parser.parse_args()
	driver = chromium(window_size="1400,1000")
	try:
		check(driver, arguments)
	finally:
		driver.quit()


def check(driver: WebDriver, arguments: argparse.Namespace) -> None:
	wait = WebDriverWait(driver, 40)
	driver.get(f"{arguments.site_url}/login")
	wait.until(lambda page: page.find_element(By.ID, "login_email")).send_keys(arguments.user)
	driver.find_element(By.ID, "login_password").send_keys(arguments.password)
	driver.find_element(By.CSS_SELECTOR, ".btn-login").click()
	wait.until(lambda page: "/app" in page.current_url)
	driver.get(f"{arguments.site_url}/app/whatsapp-device/{quote(arguments.device)}")
	open_menu(wait)
	wait.until(
		lambda page: page.find_element(
			By.XPATH, "//a[contains(@class,'dropdown-item') and normalize-space(.)='Link']"
		)
	).click()
	started = time.monotonic()
	wait.until(lambda page: page.find_element(By.CSS_SELECTOR, QR_IMAGE))
	print(f"QR shown on the open form {time.monotonic() - started:.1f} s after Link, without a reload")
	pending = json.load(urllib.request.urlopen(f"{arguments.fake_url}/_fake/pending"))["refs"]
	scan = json.dumps({"ref": pending[-1]}).encode()
	urllib.request.urlopen(
		urllib.request.Request(f"{arguments.fake_url}/_fake/scan", data=scan, method="POST")
	)
	wait.until(lambda page: "Linked" in page.find_element(By.CSS_SELECTOR, ".form-message").text)
	assert not driver.find_elements(By.CSS_SELECTOR, QR_IMAGE), "the QR code is still shown"
	open_menu(wait)
	items = [
		item.text
		for item in driver.find_elements(By.CSS_SELECTOR, ".dropdown-menu.show .dropdown-item")
		if item.text
	]
	assert "Send test message" in items and "Link" not in items, items
	print(f"linked; menu: {items}")


def open_menu(wait: WebDriverWait) -> None:
	wait.until(lambda page: page.find_element(By.XPATH, "//button[contains(., 'WhatsApp Web')]")).click()


if __name__ == "__main__":
	main()
