"""The selectors registry: every CSS selector and page text lives in `selectors.json`.

A canary checks the selectors meant for the page the browser shows against that live page
and names the ones that broke, so a WhatsApp Web update is found by one command, not by
failed sends.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _

REGISTRY_PATH = Path(__file__).with_name("selectors.json")


@dataclass(frozen=True)
class Selector:
	name: str
	css: str
	page: str
	what: str


@dataclass(frozen=True)
class SelectorRegistry:
	version: int
	selectors: dict[str, Selector]
	texts: dict[str, tuple[str, ...]]

	def css(self, name: str) -> str:
		return self.selectors[name].css

	def on_page(self, page: str) -> list[Selector]:
		return [selector for selector in self.selectors.values() if selector.page == page]

	def replace_css(self, **css_by_name: str) -> SelectorRegistry:
		"""A copy with some selectors changed (what a canary test uses to simulate a page change)."""
		selectors = dict(self.selectors)
		for name, css in css_by_name.items():
			old = selectors[name]
			selectors[name] = Selector(name, css, old.page, old.what)
		return SelectorRegistry(self.version, selectors, self.texts)


def load_registry(path: Path = REGISTRY_PATH) -> SelectorRegistry:
	try:
		data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
		selectors = {
			name: Selector(name, spec["css"], spec["page"], spec.get("what", ""))
			for name, spec in data["selectors"].items()
		}
		texts = {key: tuple(value.lower() for value in values) for key, values in data["texts"].items()}
		return SelectorRegistry(int(data["version"]), selectors, texts)
	except (OSError, ValueError, KeyError, TypeError) as error:
		raise ConfigurationError(
			_("The WhatsApp Web selectors file {path} is unreadable: {error}.").format(path=path, error=error)
		)


@dataclass(frozen=True)
class CanaryReport:
	"""Which selectors of `page` (pages joined by +) were found on the live page (`broken` lists
	the others)."""

	version: int
	page: str
	found: tuple[str, ...]
	broken: tuple[str, ...]

	@property
	def ok(self) -> bool:
		return not self.broken

	def to_dict(self) -> dict[str, Any]:
		return {"version": self.version, "page": self.page, "found": self.found, "broken": self.broken}


_COUNT_MATCHES_JS = """
return arguments[0].map(css => {
	try { return document.querySelectorAll(css).length; } catch (error) { return 0; }
});
"""


def run_canary(driver: Any, registry: SelectorRegistry, *pages: str) -> CanaryReport:
	"""Check every selector registered for `pages` against what `driver` shows now."""
	selectors = [selector for page in pages for selector in registry.on_page(page)]
	counts = driver.execute_script(_COUNT_MATCHES_JS, [selector.css for selector in selectors])
	found = tuple(selector.name for selector, count in zip(selectors, counts, strict=True) if count)
	broken = tuple(selector.name for selector, count in zip(selectors, counts, strict=True) if not count)
	return CanaryReport(registry.version, "+".join(pages), found, broken)
