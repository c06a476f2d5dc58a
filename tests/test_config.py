"""core/config.py: defaults, loose values from a Settings doc, validation, secrets kept out of repr."""

from __future__ import annotations

import dataclasses

import pytest

from whatsapp_integration.core.config import DEFAULT_CHROME_OPTIONS, WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError, WhatsAppError
from whatsapp_integration.core.vocabulary import DeviceMode

SECRETS = ("access_token", "app_secret", "webhook_verify_token", "metrics_token")


def test_defaults_follow_meta_and_the_review() -> None:
	config = WhatsAppConfig()
	assert config.default_mode == DeviceMode.OFFICIAL
	assert config.graph_api_root == "https://graph.facebook.com/v21.0"
	assert config.request_timeout == 15.0
	assert config.max_retry_attempts == 3
	assert (config.send_rate_per_second, config.send_burst) == (80.0, 80)
	assert config.pair_rate_seconds == 6.0
	assert config.default_country is None
	assert config.blocked_phrases == ()
	assert config.chrome_options == DEFAULT_CHROME_OPTIONS
	assert "STOP" in config.stop_keywords


def test_config_is_immutable_and_replace_returns_a_checked_copy() -> None:
	config = WhatsAppConfig()
	with pytest.raises(dataclasses.FrozenInstanceError):
		config.request_timeout = 1.0  # type: ignore[misc]
	faster = config.replace(request_timeout=2.5)
	assert (faster.request_timeout, config.request_timeout) == (2.5, 15.0)
	with pytest.raises(ConfigurationError):
		config.replace(request_timeout=0)


def test_api_root_joins_base_and_version_without_double_slashes() -> None:
	config = WhatsAppConfig(graph_api_base_url="http://127.0.0.1:8765/", graph_api_version="/v20.0/")
	assert config.graph_api_root == "http://127.0.0.1:8765/v20.0"


def test_from_mapping_coerces_settings_values() -> None:
	config = WhatsAppConfig.from_mapping(
		{
			"default_mode": "Web",
			"request_timeout": "7.5",
			"max_retry_attempts": "5",
			"send_burst": 12.0,
			"user_send_limit_per_minute": "30.0",
			"default_country": "  IN ",
			"blocked_phrases": "free money\n\n  casino  \r\nwin big\n",
			"chrome_options": ["--headless=new", " ", "--no-sandbox"],
			"access_token": "EAAG-secret",
			"unknown_field": "ignored",
			"name": "WhatsApp Integration Settings",
		}
	)
	assert config.default_mode == DeviceMode.WEB
	assert config.request_timeout == 7.5 and isinstance(config.request_timeout, float)
	assert config.max_retry_attempts == 5 and isinstance(config.max_retry_attempts, int)
	assert config.send_burst == 12 and isinstance(config.send_burst, int)
	assert config.user_send_limit_per_minute == 30
	assert config.default_country == "IN"
	assert config.blocked_phrases == ("free money", "casino", "win big")
	assert config.chrome_options == ("--headless=new", "--no-sandbox")
	assert config.access_token == "EAAG-secret"


@pytest.mark.parametrize("blank", [None, ""])
def test_blank_settings_mean_the_default(blank: str | None) -> None:
	config = WhatsAppConfig.from_mapping(
		{
			"request_timeout": blank,
			"graph_api_base_url": blank,
			"blocked_phrases": blank,
			"default_country": blank,
		}
	)
	assert config == WhatsAppConfig()


def test_from_mapping_of_nothing_is_the_default() -> None:
	assert WhatsAppConfig.from_mapping({}) == WhatsAppConfig()


@pytest.mark.parametrize(
	("values", "message"),
	[
		({"request_timeout": "fast"}, "Request timeout must be a number, not 'fast'."),
		({"max_retry_attempts": "three"}, "Max retry attempts must be a number, not 'three'."),
		({"request_timeout": "0"}, "Request timeout must be at least 0.1 (it is 0)."),
		({"max_retry_attempts": 0}, "Max retry attempts must be at least 1 (it is 0)."),
		({"send_rate_per_second": "-1"}, "Send rate per second must be at least 0.01 (it is -1)."),
		({"retry_backoff_seconds": -0.5}, "Retry backoff seconds must be at least 0 (it is -0.5)."),
		(
			{"default_mode": "Carrier pigeon"},
			"Default mode must be one of Official, Web, Sandbox, not 'Carrier pigeon'.",
		),
	],
)
def test_invalid_values_say_which_field_and_what_is_allowed(values: dict, message: str) -> None:
	with pytest.raises(ConfigurationError) as caught:
		WhatsAppConfig.from_mapping(values)
	assert str(caught.value) == message
	assert isinstance(caught.value, WhatsAppError)


def test_direct_construction_is_validated_too() -> None:
	with pytest.raises(ConfigurationError, match="Campaign lease seconds must be at least 10"):
		WhatsAppConfig(campaign_lease_seconds=5)


def test_secrets_never_appear_in_repr_or_str() -> None:
	values = {name: f"SECRET-{name}-value" for name in SECRETS}
	config = WhatsAppConfig(**values)
	for text in (repr(config), str(config)):
		for secret in values.values():
			assert secret not in text
	assert "request_timeout=15.0" in repr(config)


def test_every_field_is_settable_from_a_mapping_of_strings() -> None:
	"""The Settings DocType hands every value over as text; each field must accept that."""
	defaults = WhatsAppConfig()
	as_text = {}
	for spec in dataclasses.fields(WhatsAppConfig):
		value = getattr(defaults, spec.name)
		as_text[spec.name] = (
			"\n".join(value) if isinstance(value, tuple) else ("" if value is None else str(value))
		)
	assert WhatsAppConfig.from_mapping(as_text) == defaults
