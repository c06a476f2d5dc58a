"""What every browser check of the desk shares: the command line (site, bench), a logged-in REST
session (`Desk`), headless Chromium with a user's session, waits, screenshots into test-artifacts/,
`bench execute` as the bench's owner, and Settings pointed at a fake Graph API for a run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from whatsapp_integration.testing.fake_graph import FakeGraphApi

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SETTINGS = "/api/resource/WhatsApp Integration Settings/WhatsApp Integration Settings"
TEMPLATE = "browser_check_order_update"
MARKUP = "<img src=x onerror=window.__xss=1>"
ADMINISTRATOR = "Administrator"


def argument_parser(description: str, url: str, site: str) -> argparse.ArgumentParser:
	"""The options of every check: the served URL, the site's name, Administrator's password and
	the bench (folder and owner) that `bench execute` runs in."""
	parser = argparse.ArgumentParser(description=description)
	parser.add_argument("--url", default=url)
	parser.add_argument("--site", default=site)
	parser.add_argument("--password", default="admin", help="Administrator's password")
	parser.add_argument("--bench", default=os.environ.get("FRAPPE_BENCH", "/opt/frappe-bench"))
	parser.add_argument("--bench-user", default="frappe")
	return parser


def login(url: str, site: str, user: str, password: str) -> requests.Session:
	"""A REST session of `user` on `site` (served at `url`)."""
	session = requests.Session()
	session.headers["Host"] = site
	session.headers["Accept"] = "application/json"
	session.post(f"{url}/api/method/login", data={"usr": user, "pwd": password}).raise_for_status()
	return session


class Desk:
	"""Administrator's REST session on the site; `site_url` is what the browser opens (the site's
	name as Host, mapped to 127.0.0.1)."""

	def __init__(self, url: str, site: str, password: str) -> None:
		self.url = url.rstrip("/")
		self.site = site
		self.site_url = f"http://{site}:{self.url.rsplit(':', 1)[-1]}"
		self.http = login(self.url, site, ADMINISTRATOR, password)

	@classmethod
	def of(cls, args: argparse.Namespace) -> Desk:
		return cls(args.url, args.site, args.password)

	def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
		response = self.http.request(method, f"{self.url}{path}", **kwargs)
		if not response.ok:
			raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
		return response.json()

	def template(self) -> str:
		"""The approved template of the checks ("Hi {{1}}, order {{2}} shipped"), made once."""
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


def chromium(site: str | None = None, window_size: str = "1440,1500") -> WebDriver:
	"""Headless Chromium; `site` resolves to 127.0.0.1 (so the browser sends the site's Host)."""
	options = webdriver.ChromeOptions()
	options.binary_location = "/usr/bin/chromium"
	for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
		options.add_argument(argument)
	options.add_argument(f"--window-size={window_size}")
	if site:
		options.add_argument(f"--host-resolver-rules=MAP {site} 127.0.0.1")
	return webdriver.Chrome(service=webdriver.ChromeService("/usr/bin/chromedriver"), options=options)


def browser(desk: Desk, site: str, password: str, user: str = ADMINISTRATOR) -> WebDriver:
	"""Chromium logged in as `user` with a session of its own (sharing the API session's sid would
	give it a CSRF token that the API calls here do not send)."""
	driver = chromium(site)
	driver.get(f"{desk.site_url}/login")
	for cookie in login(desk.url, site, user, password).cookies:
		driver.add_cookie({"name": cookie.name, "value": cookie.value, "path": "/"})
	return driver


def wait_for(driver: WebDriver, css: str, timeout: float = 30) -> Any:
	return WebDriverWait(driver, timeout).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_text(driver: WebDriver, css: str, text: str, timeout: float = 30) -> None:
	WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def wait_until(probe: Callable[[], Any], what: str, timeout: float = 60) -> Any:
	"""`probe()`'s first truthy result, polled every half second."""
	deadline = time.monotonic() + timeout
	while time.monotonic() < deadline:
		found = probe()
		if found:
			return found
		time.sleep(0.5)
	raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def settle(seconds: float = 1.5) -> None:
	"""Charts and number cards animate in; a screenshot a moment later shows them drawn."""
	time.sleep(seconds)


def screenshot(driver: WebDriver, filename: str) -> None:
	driver.save_screenshot(str(ARTIFACTS / filename))


def unique_suffix() -> str:
	return time.strftime("%H%M%S") + f"{time.time_ns() % 1000:03d}"


def assert_no_script_ran(driver: WebDriver, where: str) -> None:
	ran = driver.execute_script("return window.__xss")
	assert ran is None, f"{where}: customer text ran as HTML (window.__xss = {ran!r})"
	images = driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length")
	assert not images, f"{where}: customer text became {images} <img> element(s)"


def show_literally(driver: WebDriver, css: str, text: str, where: str, filename: str) -> None:
	"""`text` (customer text carrying MARKUP) shows in `css` as text, and no script of it ran."""
	wait_for_text(driver, css, text)
	settle()
	screenshot(driver, filename)
	assert_no_script_ran(driver, where)


def as_bench_user(args: argparse.Namespace, shell: str) -> list[str]:
	"""The command running `shell` as the bench's owner (through su when this runs as root)."""
	if os.geteuid() == 0 and args.bench_user != "root":
		return ["su", "-", args.bench_user, "-c", shell]
	return ["bash", "-c", shell]


def bench_execute(args: argparse.Namespace, method: str, *arguments: Any) -> None:
	command = shlex.join(
		["bench", "--site", args.site, "execute", method, "--args", json.dumps(list(arguments))]
	)
	shell = f"cd {shlex.quote(args.bench)} && {command}"
	subprocess.run(as_bench_user(args, shell), check=True, capture_output=True)


@contextmanager
def fake_meta(desk: Desk, token: str, port: int = 0, **settings: Any) -> Iterator[FakeGraphApi]:
	"""A fake Graph API for the run; Settings point at it (with `token` and `settings`) meanwhile,
	then back at the Graph API they pointed at before."""
	previous = desk.call("GET", SETTINGS)["data"].get("graph_api_base_url")
	try:
		with FakeGraphApi(access_token=token, port=port) as graph:
			desk.call(
				"PUT", SETTINGS, json={"graph_api_base_url": graph.url, "access_token": token, **settings}
			)
			yield graph
	finally:
		desk.call("PUT", SETTINGS, json={"graph_api_base_url": previous or ""})
