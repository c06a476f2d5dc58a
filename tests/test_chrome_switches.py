"""core/chrome_switches.py: Settings pass only allowlisted Chrome switches; a switch that names a
program or a command prefix (it would run any command as the bench user) is refused by name."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.chrome_switches import check_chrome_switches, refused_chrome_switches
from whatsapp_integration.core.config import DEFAULT_CHROME_OPTIONS, WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError


def test_default_and_common_switches_pass() -> None:
	allowed = [
		*DEFAULT_CHROME_OPTIONS,
		"--headless",
		"--disable-extensions",
		"--mute-audio",
		"--lang=en-US",
		"--lang=fa",
		"--window-size=800,600",
	]
	check_chrome_switches(allowed)
	assert refused_chrome_switches(allowed) == []


@pytest.mark.parametrize(
	"switch",
	[
		"--renderer-cmd-prefix=/bin/sh -c 'touch /tmp/pwned'",
		"--gpu-launcher=/usr/bin/xterm",
		"--utility-cmd-prefix=bash",
		"--browser-subprocess-path=/tmp/evil",
		"--plugin-launcher=x",
		"--ppapi-plugin-launcher=x",
	],
)
def test_switch_naming_a_program_is_refused_by_name(switch: str) -> None:
	name = switch.split("=", 1)[0]
	with pytest.raises(ConfigurationError) as caught:
		check_chrome_switches(["--headless=new", switch])
	assert name in str(caught.value)
	assert "program" in str(caught.value)


@pytest.mark.parametrize(
	"switch",
	[
		"--proxy-server=http://attacker.example:8080",
		"--remote-debugging-port=9222",
		"--no-sandbox --renderer-cmd-prefix=sh",
		"--window-size=1280,900;rm",
		"--headless=new\n--gpu-launcher=x",
		"--user-data-dir=/etc",
		"--user-agent=Evil",
		"headless",
	],
)
def test_switch_outside_the_allowlist_is_refused(switch: str) -> None:
	with pytest.raises(ConfigurationError) as caught:
		check_chrome_switches([switch])
	assert "Chrome option" in str(caught.value)
	assert refused_chrome_switches(["--no-sandbox", switch]) == [switch]


def test_config_built_from_stored_settings_refuses_an_unsafe_switch() -> None:
	"""A value stored before the rule existed never reaches a browser: the config does not build."""
	with pytest.raises(ConfigurationError, match="--renderer-cmd-prefix"):
		WhatsAppConfig.from_mapping({"chrome_options": "--headless=new\n--renderer-cmd-prefix=sh -c id"})
	with pytest.raises(ConfigurationError, match="--gpu-launcher"):
		WhatsAppConfig(chrome_options=("--gpu-launcher=/bin/sh",))
