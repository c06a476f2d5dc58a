"""Typed errors and Meta's error classification: one place for every error fact.

Adapters turn these into `frappe.throw` with the matching Frappe exception class; the
message of each error is written for the person who has to fix the problem.
"""

from __future__ import annotations

import enum


class ErrorAction(enum.Enum):
	"""What the app does about a failed send (the classes of Meta's error table)."""

	RETRY = "retry"  # transient: back off exponentially with jitter, same idempotency key
	THROTTLE = "throttle"  # sender over its rate: slow the device down, retry later
	PAIR_RATE = "pair_rate"  # too fast to one recipient: delay only that recipient
	DEFER = "defer"  # at most one late retry, then permanent failure
	NEEDS_TEMPLATE = "needs_template"  # outside the 24 h window: free text never retried
	SUPPRESS = "suppress"  # recipient opted out: add to the suppression list
	FIX_INPUT = "fix_input"  # permanent failure, the input must change
	STOP = "stop"  # account-level problem: pause campaigns, alert the admin
	IN_DOUBT = "in_doubt"  # failed after WhatsApp Web's send click: may be delivered, never resent

	@property
	def retryable(self) -> bool:
		return self in _RETRYABLE


_RETRYABLE = frozenset({ErrorAction.RETRY, ErrorAction.THROTTLE, ErrorAction.PAIR_RATE, ErrorAction.DEFER})

_ACTION_BY_CODE: dict[int, ErrorAction] = {
	**dict.fromkeys((1, 2, 131000, 131016), ErrorAction.RETRY),
	**dict.fromkeys((130429, 4, 80007), ErrorAction.THROTTLE),
	131056: ErrorAction.PAIR_RATE,
	**dict.fromkeys((131049, 131026), ErrorAction.DEFER),
	131047: ErrorAction.NEEDS_TEMPLATE,
	**dict.fromkeys((131050, 131021), ErrorAction.SUPPRESS),
	**dict.fromkeys(
		(100, 131008, 131009, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 131051, 131052, 131053),
		ErrorAction.FIX_INPUT,
	),
	**dict.fromkeys((131048, 368, 131031, 131042, 190, 10, 200, 133010), ErrorAction.STOP),
}

# What a person can do about the codes users meet most; other codes fall back to Meta's own text.
_ADVICE_BY_CODE: dict[int, str] = {
	190: "The access token has expired or was revoked. Create a permanent system-user token in Meta "
	"Business Settings and paste it into WhatsApp Integration Settings (or the device).",
	10: "The access token lacks the whatsapp_business_messaging permission for this number.",
	200: "The access token lacks the whatsapp_business_messaging permission for this number.",
	131047: "More than 24 hours have passed since this customer last wrote. Send an approved template instead.",
	131050: "The customer has stopped marketing messages from this business; the number was added to the opt-out list.",
	131021: "The recipient is the sending number itself.",
	131026: "WhatsApp could not deliver to this number: it may not use WhatsApp, or must accept newer terms.",
	131056: "Too many messages to this recipient in a short time; it will be retried after a pause.",
	130429: "The number's send rate was exceeded; sending slows down and retries.",
	131048: "Meta limited this number for its spam rate. Campaigns are paused; check the number's quality rating.",
	368: "Meta temporarily blocked this account for a policy violation. Check Business Support Home.",
	131031: "The WhatsApp Business account is locked. Check Business Support Home.",
	131042: "There is a problem with the payment method of the WhatsApp Business account.",
	133010: "The phone number is not registered with the Cloud API. Register it in the Meta app dashboard.",
	132001: "The template does not exist in this language, or is not approved yet. Sync templates and check.",
	132000: "The number of template parameters does not match the template.",
	131008: "A required parameter is missing from the request.",
	131009: "A parameter value is invalid.",
	100: "A parameter of the request is invalid.",
}


def classify(code: int | None, http_status: int | None) -> ErrorAction:
	"""Map a Meta error code and/or HTTP status to what the app should do.

	Known codes win; otherwise HTTP 5xx, 408, 429 and no answer at all (timeouts,
	connection errors) are transient; any other 4xx is an input problem.
	"""
	if code is not None and code in _ACTION_BY_CODE:
		return _ACTION_BY_CODE[code]
	if http_status is None or http_status >= 500 or http_status == 408:
		return ErrorAction.RETRY
	if http_status == 429:
		return ErrorAction.THROTTLE
	return ErrorAction.FIX_INPUT


def advice_for(code: int | None) -> str | None:
	"""A short, actionable explanation of a Meta error code, if we have one."""
	return _ADVICE_BY_CODE.get(code) if code is not None else None


class WhatsAppError(Exception):
	"""Base of every error the app raises on purpose; `str()` is safe to show to a user."""


class ConfigurationError(WhatsAppError):
	"""Settings or a device are missing something the operation needs."""


class InvalidPhoneNumber(WhatsAppError, ValueError):
	"""The input cannot be turned into a WhatsApp-capable E.164 number."""


class InvalidMessage(WhatsAppError, ValueError):
	"""The message content breaks one of WhatsApp's or the app's rules."""


class DeviceNotFound(WhatsAppError, LookupError):
	"""No WhatsApp Device with that name, or no default device."""


class DeviceUnavailable(WhatsAppError):
	"""The device exists but cannot send right now (disabled, not linked, host down)."""


class RecipientOptedOut(WhatsAppError):
	"""The recipient is on the opt-out list."""


class RateLimited(WhatsAppError):
	"""A rate budget is spent; `retry_after` says how many seconds until it refills."""

	def __init__(self, message: str, retry_after: float) -> None:
		super().__init__(message)
		self.retry_after = retry_after


class DuplicateKey(WhatsAppError):
	"""A row with the same unique key already exists (used by repositories)."""


class SendFailed(WhatsAppError):
	"""A sender could not hand the message to WhatsApp.

	Carries Meta's code and HTTP status (None when nothing answered), the classified
	action, Meta's title and details, and a readable reason for the Message Log.
	"""

	def __init__(
		self,
		reason: str,
		*,
		code: int | None = None,
		http_status: int | None = None,
		title: str | None = None,
		details: str | None = None,
		action: ErrorAction | None = None,
	) -> None:
		super().__init__(reason)
		self.reason = reason
		self.code = code
		self.http_status = http_status
		self.title = title
		self.details = details
		self.action = action or classify(code, http_status)


class GraphApiError(SendFailed):
	"""Meta's Graph API refused a request or did not answer."""


class InvalidSignature(WhatsAppError):
	"""A webhook POST whose X-Hub-Signature-256 is missing, malformed or wrong."""


class InvalidWebhookPayload(WhatsAppError, ValueError):
	"""A correctly signed webhook body that is not a JSON object."""


# WhatsApp Web (unofficial mode): sessions, browsers and what WhatsApp Web itself reports.


class IllegalSessionTransition(WhatsAppError):
	"""A session was asked to move to a state it cannot reach from where it is."""

	def __init__(self, device: str, current: str, target: str) -> None:
		super().__init__(
			f"The WhatsApp Web session of device {device} is {current} and cannot become {target}. "
			"Refresh the device to see its current state."
		)
		self.device = device
		self.current = current
		self.target = target


class BrowserUnavailable(ConfigurationError):
	"""No Chromium/chromedriver (local or on the Selenium Grid) could be started."""


class DriverPoolExhausted(DeviceUnavailable):
	"""Every browser of the pool is busy with another device's session."""


class SessionHostUnavailable(DeviceUnavailable, SendFailed):
	"""The WhatsApp Web session host process is not running or did not answer.

	A `DeviceUnavailable` for the API, and a retryable `SendFailed` for message_service, so a
	message sent while the host restarts stays Queued and is retried."""

	def __init__(self, reason: str) -> None:
		SendFailed.__init__(self, reason, action=ErrorAction.RETRY)


class WebSessionNotReady(SendFailed):
	"""The device's WhatsApp Web session is not linked and working (retried later)."""

	def __init__(self, reason: str) -> None:
		super().__init__(reason, action=ErrorAction.RETRY)


class WebSessionLoggedOut(SendFailed):
	"""WhatsApp Web shows the QR code again: the phone unlinked this device."""

	def __init__(self, reason: str) -> None:
		super().__init__(reason, action=ErrorAction.STOP)


class WebRecipientInvalid(SendFailed):
	"""WhatsApp Web says "Phone number shared via url is invalid"."""

	def __init__(self, reason: str) -> None:
		super().__init__(reason, action=ErrorAction.FIX_INPUT)


class RecipientNotOnWhatsApp(SendFailed):
	"""WhatsApp Web says the number is not on WhatsApp."""

	def __init__(self, reason: str) -> None:
		super().__init__(reason, action=ErrorAction.FIX_INPUT)


class SendInDoubt(SendFailed):
	"""Something failed after WhatsApp Web's send button was clicked (or the click was already
	made for this idempotency key): the message may be out, so it is never sent again."""

	def __init__(self, reason: str) -> None:
		super().__init__(reason, action=ErrorAction.IN_DOUBT)


# Campaigns


class InvalidCampaign(WhatsAppError, ValueError):
	"""A campaign's settings (schedule, message, template parameters) cannot be used as they are."""


class CampaignStateError(WhatsAppError):
	"""A campaign was asked to do something its status does not allow (e.g. resume a cancelled one)."""
