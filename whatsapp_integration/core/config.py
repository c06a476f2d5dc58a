"""One typed, immutable config object for every tunable of the app.

The Frappe adapter builds it from `WhatsApp Integration Settings` (one fieldname per
attribute here); tests and benchmarks build it directly. Secrets are excluded from
`repr()` so a config can be logged safely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from whatsapp_integration.core.allowlist import clean_entries
from whatsapp_integration.core.chrome_switches import check_chrome_switches
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.inbound_media import (
	DEFAULT_MEDIA_MAX_MB,
	DEFAULT_MEDIA_MIME_TYPES,
	check_mime_patterns,
)
from whatsapp_integration.core.vocabulary import AssignmentRule, DeviceMode

META_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_CHROME_OPTIONS = (
	"--headless=new",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--no-first-run",
	"--window-size=1280,900",
)
DEFAULT_USER_AGENT = (
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_STOP_KEYWORDS = ("STOP", "UNSUBSCRIBE", "توقف", "لغو", "إيقاف", "الغاء")
DEFAULT_START_KEYWORDS = ("START", "SUBSCRIBE", "شروع", "ابدأ")


def _positive(minimum: float = 0.0) -> dict[str, float]:
	return {"minimum": minimum}


@dataclass(frozen=True)
class WhatsAppConfig:
	# Official mode (Meta Cloud API)
	default_mode: str = DeviceMode.OFFICIAL
	graph_api_base_url: str = META_GRAPH_URL
	graph_api_version: str = "v21.0"
	meta_app_id: str = ""  # header samples of templates are uploaded to this app (resumable upload)
	access_token: str = field(default="", repr=False)
	app_secret: str = field(default="", repr=False)
	webhook_verify_token: str = field(default="", repr=False)
	default_country: str | None = None
	request_timeout: float = field(default=15.0, metadata=_positive(0.1))
	# Retries (message log outbox and campaigns)
	max_retry_attempts: int = field(default=3, metadata=_positive(1))
	retry_backoff_seconds: float = field(default=30.0, metadata=_positive(0.0))
	retry_backoff_max_seconds: float = field(default=3600.0, metadata=_positive(0.0))
	# Rate limits
	send_rate_per_second: float = field(default=80.0, metadata=_positive(0.01))
	send_burst: int = field(default=80, metadata=_positive(1))
	user_send_limit_per_minute: int = field(default=60, metadata=_positive(1))
	user_link_limit_per_minute: int = field(default=5, metadata=_positive(1))
	user_campaign_start_limit_per_minute: int = field(default=10, metadata=_positive(1))
	pair_rate_seconds: float = field(default=6.0, metadata=_positive(0.0))
	# Content rules
	blocked_phrases: tuple[str, ...] = ()
	# Caches and retention
	settings_cache_ttl: int = field(default=300, metadata=_positive(0))
	stats_cache_ttl: int = field(default=300, metadata=_positive(0))
	log_retention_days: int = field(default=90, metadata=_positive(1))
	# Webhook
	webhook_max_body_bytes: int = field(default=1_048_576, metadata=_positive(1024))
	webhook_event_retention_days: int = field(default=30, metadata=_positive(1))
	stop_keywords: tuple[str, ...] = DEFAULT_STOP_KEYWORDS
	start_keywords: tuple[str, ...] = DEFAULT_START_KEYWORDS
	# WhatsApp Web (unofficial mode)
	web_base_url: str = "https://web.whatsapp.com"
	web_user_agent: str = DEFAULT_USER_AGENT
	chrome_options: tuple[str, ...] = DEFAULT_CHROME_OPTIONS
	chrome_binary: str = ""
	chromedriver_path: str = ""
	selenium_grid_url: str = ""
	page_load_timeout: float = field(default=60.0, metadata=_positive(1))
	element_timeout: float = field(default=30.0, metadata=_positive(1))
	qr_session_ttl: float = field(default=300.0, metadata=_positive(10))
	idle_session_timeout: float = field(default=3600.0, metadata=_positive(60))
	driver_pool_size: int = field(default=4, metadata=_positive(1))
	session_sweep_interval: float = field(default=60.0, metadata=_positive(1))
	web_min_send_gap_seconds: float = field(default=8.0, metadata=_positive(0))
	web_send_jitter_seconds: float = field(default=4.0, metadata=_positive(0))
	web_daily_cap: int = field(default=200, metadata=_positive(1))
	web_receive_interval: float = field(default=10.0, metadata=_positive(1))  # s between unread checks
	# Conversations (the 24 h customer-service window, assignment)
	enforce_window_for_web: bool = False
	conversation_assignment: str = AssignmentRule.NONE
	send_read_receipts: bool = True  # opening a chat marks the customer's messages read at Meta
	# Inbound media: downloaded from Meta in the background, refused over the size or off the list
	inbound_media_max_mb: float = field(default=DEFAULT_MEDIA_MAX_MB, metadata=_positive(0.01))
	inbound_media_mime_types: tuple[str, ...] = DEFAULT_MEDIA_MIME_TYPES
	# Campaigns
	campaign_batch_size: int = field(default=50, metadata=_positive(1))
	campaign_lease_seconds: float = field(default=300.0, metadata=_positive(10))
	campaign_failure_window: int = field(default=50, metadata=_positive(1))
	campaign_auto_pause_failure_rate: float = field(default=0.5, metadata=_positive(0.01))
	campaign_pacing_wait_seconds: float = field(default=5.0, metadata=_positive(0.1))
	campaign_pacing_guard: float = field(default=0.02, metadata=_positive(0.0))
	campaign_idle_wait_seconds: float = field(default=15.0, metadata=_positive(0.0))
	campaign_dispatch_seconds: float = field(default=1200.0, metadata=_positive(60))
	# Operations
	metrics_token: str = field(default="", repr=False)
	alert_failure_threshold: int = field(default=5, metadata=_positive(1))
	alert_signature_failure_threshold: int = field(default=10, metadata=_positive(1))
	send_from_doctypes: tuple[str, ...] = (
		"Customer",
		"Contact",
		"Lead",
		"Supplier",
		"Sales Invoice",
		"Sales Order",
	)
	# Sandbox devices and the send allowlist (staging copies of production)
	sandbox_delivered_after_seconds: float = field(default=2.0, metadata=_positive(0))
	sandbox_read_after_seconds: float = field(default=3.0, metadata=_positive(0))
	restrict_sends_to_allowlist: bool = False
	send_allowlist: tuple[str, ...] = ()

	def __post_init__(self) -> None:
		if self.meta_app_id and not self.meta_app_id.isdigit():
			raise ConfigurationError(
				_("Meta App ID must be the app's number (App settings > Basic), not {value!r}.").format(
					value=self.meta_app_id
				)
			)
		if self.default_mode not in tuple(DeviceMode):
			raise ConfigurationError(
				_("Default mode must be one of {modes}, not {value!r}.").format(
					modes=", ".join(DeviceMode), value=self.default_mode
				)
			)
		if self.conversation_assignment not in tuple(AssignmentRule):
			raise ConfigurationError(
				_("Conversation assignment must be one of {rules}, not {value!r}.").format(
					rules=", ".join(AssignmentRule), value=self.conversation_assignment
				)
			)
		for spec in fields(self):
			minimum = spec.metadata.get("minimum")
			value = getattr(self, spec.name)
			if minimum is not None and value < minimum:
				raise ConfigurationError(
					_("{setting} must be at least {minimum:g} (it is {value:g}).").format(
						setting=_label(spec.name), minimum=minimum, value=value
					)
				)
		check_chrome_switches(self.chrome_options)
		object.__setattr__(self, "send_allowlist", clean_entries(self.send_allowlist))
		object.__setattr__(
			self, "inbound_media_mime_types", check_mime_patterns(self.inbound_media_mime_types)
		)

	@property
	def graph_api_root(self) -> str:
		"""`https://graph.facebook.com/v21.0`: the prefix of every Graph API call."""
		return f"{self.graph_api_base_url.rstrip('/')}/{self.graph_api_version.strip('/')}"

	def replace(self, **changes: Any) -> WhatsAppConfig:
		return dataclasses.replace(self, **changes)

	@classmethod
	def from_mapping(cls, values: Mapping[str, Any]) -> WhatsAppConfig:
		"""Build from loosely typed values (a Settings doc as a dict): blanks mean the default,
		numbers arrive as strings or floats, lists as newline-separated text."""
		kwargs: dict[str, Any] = {}
		for spec in fields(cls):
			raw = values.get(spec.name)
			if raw is None or raw == "":
				continue
			kwargs[spec.name] = _coerce(spec.name, spec.type, raw)
		return cls(**kwargs)


def _label(fieldname: str) -> str:
	return fieldname.replace("_", " ").capitalize()


def _coerce(name: str, type_name: Any, raw: Any) -> Any:
	type_text = str(type_name)
	try:
		if type_text.startswith("tuple"):
			return _as_tuple(raw)
		if type_text == "int":
			return int(float(raw))
		if type_text == "float":
			return float(raw)
		if type_text == "bool":
			return raw.strip().lower() in ("1", "true", "yes") if isinstance(raw, str) else bool(raw)
	except (TypeError, ValueError):
		raise ConfigurationError(
			_("{setting} must be a number, not {value!r}.").format(setting=_label(name), value=raw)
		)
	return str(raw).strip() if isinstance(raw, str) else raw


def _as_tuple(raw: Any) -> tuple[str, ...]:
	items: Iterable[Any] = raw.splitlines() if isinstance(raw, str) else raw
	return tuple(str(item).strip() for item in items if str(item).strip())
