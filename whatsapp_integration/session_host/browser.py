"""Starting one browser: local Chromium through the first chromedriver that works, or a
Selenium Grid node. Every option comes from `WhatsAppConfig`."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import BrowserUnavailable
from whatsapp_integration.core.i18n import _
from whatsapp_integration.session_host.processes import ProcessRegistry, is_alive

logger = logging.getLogger(__name__)
SYSTEM_CHROMEDRIVER = "/usr/bin/chromedriver"


@dataclass(eq=False)
class ManagedDriver:
	"""A WebDriver with what the pool needs to know: its profile, its chromedriver pid and
	ownership tag (None on a Grid), and a lock: one WebDriver must never run two commands at once."""

	webdriver: Any
	profile_dir: Path
	pid: int | None
	tag: str | None
	strategy: str
	created_at: float = field(default_factory=time.monotonic)
	last_used: float = field(default_factory=time.monotonic)
	lock: threading.RLock = field(default_factory=threading.RLock)

	def alive(self) -> bool:
		if self.pid is not None and not is_alive(self.pid):
			return False
		try:
			with self.lock:
				self.webdriver.current_url
		except Exception:  # WebDriverException, or urllib3's when chromedriver is gone
			return False
		return True


def chrome_options(config: WhatsAppConfig, profile_dir: Path) -> webdriver.ChromeOptions:
	options = webdriver.ChromeOptions()
	for argument in config.chrome_options:
		options.add_argument(argument)
	options.add_argument(f"--user-agent={config.web_user_agent}")
	options.add_argument(f"--user-data-dir={profile_dir}")
	binary = config.chrome_binary or shutil.which("chromium") or ""
	if binary and not config.selenium_grid_url:
		options.binary_location = binary
	return options


def launch(config: WhatsAppConfig, profile_dir: Path, registry: ProcessRegistry) -> ManagedDriver:
	"""Start a browser for `profile_dir`: on the Grid when a Grid URL is set, else locally
	with the system chromedriver, then Selenium Manager, then webdriver-manager."""
	profile_dir.mkdir(parents=True, exist_ok=True)
	options = chrome_options(config, profile_dir)
	if config.selenium_grid_url:
		driver = _remote(config.selenium_grid_url, options)
		return _managed(driver, profile_dir, None, "grid", config)
	problems = []
	for name, service_path in _local_strategies(config):
		try:
			driver, tag = _local(service_path(), options, registry)
		except Exception as error:
			problems.append(f"{name}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
			continue
		return _managed(driver, profile_dir, tag, name, config)
	raise BrowserUnavailable(
		_(
			"No browser could be started for WhatsApp Web. Install the chromium and chromium-driver "
			"packages, set Chromedriver path in WhatsApp Integration Settings, or set a Selenium Grid "
			"URL. Tried: {problems}."
		).format(problems="; ".join(problems))
	)


def _local_strategies(config: WhatsAppConfig) -> list[tuple[str, Callable[[], str | None]]]:
	def system() -> str:
		path = config.chromedriver_path or shutil.which("chromedriver") or SYSTEM_CHROMEDRIVER
		if not Path(path).exists():
			raise FileNotFoundError(f"no chromedriver at {path}")
		return path

	def webdriver_manager() -> str:
		from webdriver_manager.chrome import ChromeDriverManager

		return ChromeDriverManager().install()

	return [
		("system chromedriver", system),
		("Selenium Manager", lambda: None),
		("webdriver-manager", webdriver_manager),
	]


def _local(path: str | None, options: webdriver.ChromeOptions, registry: ProcessRegistry) -> tuple[Any, str]:
	"""`path=None` lets Selenium Manager find (or download) a matching driver."""
	tag = registry.new_tag()
	service = Service(path, env=registry.environment(tag), popen_kw={"start_new_session": True})
	try:
		return webdriver.Chrome(service=service, options=options), tag
	except Exception:
		registry.kill(tag)
		raise


def _remote(url: str, options: webdriver.ChromeOptions) -> Any:
	try:
		return webdriver.Remote(command_executor=url, options=options)
	except WebDriverException as error:
		raise BrowserUnavailable(
			_(
				"The Selenium Grid at {url} did not start a browser ({error}). Check the Grid URL "
				"in WhatsApp Integration Settings and that the Grid has a free Chrome node."
			).format(url=url, error=error.msg)
		)


def _managed(
	driver: Any, profile_dir: Path, tag: str | None, strategy: str, config: WhatsAppConfig
) -> ManagedDriver:
	driver.set_page_load_timeout(config.page_load_timeout)
	pid = driver.service.process.pid if tag else None
	logger.info("browser started for %s with %s (chromedriver pid %s)", profile_dir.name, strategy, pid)
	return ManagedDriver(driver, profile_dir, pid, tag, strategy)


def quit_driver(driver: ManagedDriver, registry: ProcessRegistry) -> None:
	"""Quit politely, then kill whatever of the browser is left (zygotes linger)."""
	try:
		driver.webdriver.quit()
	except Exception as error:
		logger.warning("browser for %s did not quit cleanly: %s", driver.profile_dir.name, error)
	if driver.tag is not None:
		registry.kill(driver.tag)
