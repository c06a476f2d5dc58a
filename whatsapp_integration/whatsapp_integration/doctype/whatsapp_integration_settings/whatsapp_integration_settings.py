# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from whatsapp_integration.core.config import META_GRAPH_URL, WhatsAppConfig
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.roles import SYSTEM_MANAGER, has_any_role
from whatsapp_integration.site.settings import clear_config_cache


class WhatsAppIntegrationSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		access_token: DF.Password | None
		alert_failure_threshold: DF.Int
		alert_signature_failure_threshold: DF.Int
		app_secret: DF.Password | None
		blocked_phrases: DF.SmallText | None
		campaign_auto_pause_failure_rate: DF.Float
		campaign_batch_size: DF.Int
		campaign_dispatch_seconds: DF.Float
		campaign_failure_window: DF.Int
		campaign_idle_wait_seconds: DF.Float
		campaign_lease_seconds: DF.Float
		campaign_pacing_guard: DF.Float
		campaign_pacing_wait_seconds: DF.Float
		chrome_binary: DF.Data | None
		chrome_options: DF.SmallText | None
		chromedriver_path: DF.Data | None
		conversation_assignment: DF.Literal["None", "Contact Owner", "Round Robin"]
		default_country: DF.Link | None
		default_mode: DF.Literal["Official", "Web"]
		driver_pool_size: DF.Int
		element_timeout: DF.Float
		enforce_window_for_web: DF.Check
		graph_api_base_url: DF.Data | None
		graph_api_version: DF.Data | None
		idle_session_timeout: DF.Float
		inbound_media_max_mb: DF.Float
		inbound_media_mime_types: DF.SmallText | None
		log_retention_days: DF.Int
		max_retry_attempts: DF.Int
		metrics_token: DF.Password | None
		page_load_timeout: DF.Float
		pair_rate_seconds: DF.Float
		qr_session_ttl: DF.Float
		request_timeout: DF.Float
		restrict_sends_to_allowlist: DF.Check
		retry_backoff_max_seconds: DF.Float
		retry_backoff_seconds: DF.Float
		sandbox_delivered_after_seconds: DF.Float
		sandbox_read_after_seconds: DF.Float
		selenium_grid_url: DF.Data | None
		send_allowlist: DF.SmallText | None
		send_burst: DF.Int
		send_from_doctypes: DF.SmallText | None
		send_rate_per_second: DF.Float
		session_sweep_interval: DF.Float
		settings_cache_ttl: DF.Int
		start_keywords: DF.SmallText | None
		stats_cache_ttl: DF.Int
		stop_keywords: DF.SmallText | None
		user_campaign_start_limit_per_minute: DF.Int
		user_link_limit_per_minute: DF.Int
		user_send_limit_per_minute: DF.Int
		web_base_url: DF.Data | None
		web_daily_cap: DF.Int
		web_min_send_gap_seconds: DF.Float
		web_receive_interval: DF.Float
		web_send_jitter_seconds: DF.Float
		web_user_agent: DF.SmallText | None
		webhook_event_retention_days: DF.Int
		webhook_max_body_bytes: DF.Int
		webhook_verify_token: DF.Password | None
	# end: auto-generated types

	def validate(self) -> None:
		"""Refuse values the config object would refuse, with the field named."""
		with user_errors():
			WhatsAppConfig.from_mapping(
				{key: value for key, value in self.as_dict().items() if key != "default_country"}
			)
		self._check_graph_api_base_url()

	def _check_graph_api_base_url(self) -> None:
		"""The access tokens go to this host: only a System Manager may point it elsewhere, warned."""
		url = (self.graph_api_base_url or "").strip().rstrip("/")
		if not url or url == META_GRAPH_URL or not self.has_value_changed("graph_api_base_url"):
			return
		if not has_any_role((SYSTEM_MANAGER,)):
			frappe.throw(
				_("Only a System Manager may set a Graph API base URL other than {0}.").format(
					META_GRAPH_URL
				),
				frappe.PermissionError,
			)
		frappe.msgprint(
			_("Graph API base URL is {0}, not {1}: the access tokens are sent to that host.").format(
				frappe.bold(escape_html(url)), META_GRAPH_URL
			),
			title=_("Warning"),
			indicator="orange",
		)

	def on_update(self) -> None:
		clear_config_cache()
