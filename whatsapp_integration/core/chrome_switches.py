"""Which Chrome command-line switches Settings may pass to the browser.

Some switches make Chrome start another program (`--renderer-cmd-prefix`, `--gpu-launcher`,
`--browser-subprocess-path`, ...): from Settings they would run any command as the bench user.
Only the switches below pass, each with the exact shape of value it may carry; the user agent
and profile directory have their own fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _

_ALLOWED = tuple(
	re.compile(pattern)
	for pattern in (
		r"--headless(=(new|old))?",
		r"--no-sandbox",
		r"--disable-gpu",
		r"--disable-dev-shm-usage",
		r"--disable-background-networking",
		r"--disable-component-update",
		r"--disable-sync",
		r"--disable-extensions",
		r"--disable-notifications",
		r"--disable-software-rasterizer",
		r"--no-first-run",
		r"--no-default-browser-check",
		r"--mute-audio",
		r"--hide-scrollbars",
		r"--window-size=[1-9][0-9]{1,4},[1-9][0-9]{1,4}",
		r"--lang=[a-z]{2,3}(-[A-Za-z]{2,4})?",
	)
)
_PROGRAM_WORDS = ("cmd", "launcher", "prefix", "path", "program", "binary", "exec", "command", "wrapper")
_OWN_FIELDS = {"--user-agent": _("Browser user agent"), "--user-data-dir": _("(managed by the app)")}


def refused_chrome_switches(switches: Iterable[str]) -> list[str]:
	"""The switches of `switches` that are not allowed, in order."""
	return [switch for switch in switches if not any(pattern.fullmatch(switch) for pattern in _ALLOWED)]


def check_chrome_switches(switches: Iterable[str]) -> None:
	"""Raise `ConfigurationError` naming the first switch that is not allowed."""
	refused = refused_chrome_switches(switches)
	if refused:
		raise ConfigurationError(_refusal(refused[0]))


def _refusal(switch: str) -> str:
	name = switch.split("=", 1)[0].strip()[:80]
	if name in _OWN_FIELDS:
		return _("Chrome option {name} is not allowed here; it is set by {field}.").format(
			name=name, field=_OWN_FIELDS[name]
		)
	if any(word in name.lower() for word in _PROGRAM_WORDS):
		return _("Chrome option {name} is refused: it names a program or a command prefix to run.").format(
			name=name
		)
	return _(
		"Chrome option {name} is not allowed. Allowed options: --headless=new, --no-sandbox, "
		"--disable-gpu, --disable-dev-shm-usage, --disable-extensions, --mute-audio, "
		"--window-size=W,H, --lang=xx and a few --disable-*/--no-* switches (one per line, no spaces)."
	).format(name=name)
