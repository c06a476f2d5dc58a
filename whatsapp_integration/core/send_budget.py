"""How long one send may take at worst, per mode: leases (the outbox's, a campaign batch's) are
derived from it, so a row is never handed to a second worker while its send may still run.

Official mode is one Graph API request (connect plus read timeout). A WhatsApp Web send runs
in the session host: it may wait for an idle session to reopen, for the device's previous
send (sends of one device take turns), then loads the chat, waits for its pacing slot and
clicks; after the click it waits for the bubble and its tick. The caller gives the host a
deadline for the click and waits for the whole budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import DeviceMode

HOST_SLACK_SECONDS = 5.0  # Redis round trips and the host picking the command up
SANDBOX_SEND_SECONDS = 5.0  # a Sandbox send makes no request: only the site's own work


@dataclass(frozen=True)
class WebSendBudget:
	pacing_wait: float  # the longest wait for the device's next slot (gap plus jitter)
	before_click: float  # from the command to the click, at the latest
	after_click: float  # from the click to the confirmed tick, at the latest

	@property
	def worst_case(self) -> float:
		"""How long the caller waits for the host's answer."""
		return self.before_click + self.after_click + HOST_SLACK_SECONDS


def web_send_budget(config: WhatsAppConfig) -> WebSendBudget:
	pacing = config.web_min_send_gap_seconds + config.web_send_jitter_seconds
	to_click = config.page_load_timeout + config.element_timeout + pacing  # open the chat, wait the slot
	after_click = 2 * config.element_timeout  # the bubble, then its tick
	previous_send = to_click + after_click  # the device's send ahead of this one
	reopen = config.element_timeout  # an idle session restarted from its saved login
	return WebSendBudget(pacing, reopen + previous_send + to_click, after_click)


def worst_case_seconds(mode: str, config: WhatsAppConfig) -> float:
	"""The longest one send of a device in `mode` may take, in seconds."""
	if mode == DeviceMode.OFFICIAL:
		return 2 * config.request_timeout  # connect plus read
	if mode == DeviceMode.WEB:
		return web_send_budget(config).worst_case
	if mode == DeviceMode.SANDBOX:
		return SANDBOX_SEND_SECONDS
	raise ConfigurationError(_("Mode {mode!r} has no known send time.").format(mode=mode))
