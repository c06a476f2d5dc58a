"""Typed errors and Meta's error classification: one place for every error fact.

Adapters turn these into `frappe.throw` with the matching Frappe exception class; the
message of each error is written for the person who has to fix the problem.
"""

from __future__ import annotations

import enum
from datetime import datetime

from whatsapp_integration.core.i18n import _


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


class MetaCode(enum.IntEnum):
	"""The Meta (Graph / Cloud API) error codes the app acts on, each named once."""

	API_UNKNOWN = 1
	API_SERVICE = 2
	API_TOO_MANY_CALLS = 4
	PERMISSION_DENIED = 10
	INVALID_PARAMETER = 100
	TOKEN_EXPIRED = 190
	PERMISSION_MISSING = 200
	TEMPORARILY_BLOCKED = 368
	RATE_LIMIT_HIT = 80007
	SEND_RATE_EXCEEDED = 130429
	SOMETHING_WENT_WRONG = 131000
	REQUIRED_PARAMETER_MISSING = 131008
	PARAMETER_VALUE_INVALID = 131009
	SERVICE_UNAVAILABLE = 131016
	RECIPIENT_IS_SENDER = 131021
	UNDELIVERABLE = 131026
	ACCOUNT_LOCKED = 131031
	PAYMENT_ISSUE = 131042
	OUTSIDE_WINDOW = 131047
	SPAM_RATE_LIMITED = 131048
	NOT_DELIVERED_FOR_ENGAGEMENT = 131049
	USER_STOPPED_MARKETING = 131050
	UNSUPPORTED_MESSAGE_TYPE = 131051
	MEDIA_DOWNLOAD_ERROR = 131052
	MEDIA_UPLOAD_ERROR = 131053
	PAIR_RATE_LIMIT = 131056
	TEMPLATE_PARAMETER_COUNT = 132000
	TEMPLATE_NOT_FOUND = 132001
	TEMPLATE_TEXT_TOO_LONG = 132005
	TEMPLATE_POLICY_VIOLATION = 132007
	TEMPLATE_PARAMETER_FORMAT = 132012
	TEMPLATE_PAUSED = 132015
	TEMPLATE_DISABLED = 132016
	NOT_REGISTERED = 133010


_ACTION_BY_CODE: dict[int, ErrorAction] = {
	**dict.fromkeys(
		(
			MetaCode.API_UNKNOWN,
			MetaCode.API_SERVICE,
			MetaCode.SOMETHING_WENT_WRONG,
			MetaCode.SERVICE_UNAVAILABLE,
		),
		ErrorAction.RETRY,
	),
	**dict.fromkeys(
		(MetaCode.SEND_RATE_EXCEEDED, MetaCode.API_TOO_MANY_CALLS, MetaCode.RATE_LIMIT_HIT),
		ErrorAction.THROTTLE,
	),
	MetaCode.PAIR_RATE_LIMIT: ErrorAction.PAIR_RATE,
	**dict.fromkeys((MetaCode.NOT_DELIVERED_FOR_ENGAGEMENT, MetaCode.UNDELIVERABLE), ErrorAction.DEFER),
	MetaCode.OUTSIDE_WINDOW: ErrorAction.NEEDS_TEMPLATE,
	**dict.fromkeys((MetaCode.USER_STOPPED_MARKETING, MetaCode.RECIPIENT_IS_SENDER), ErrorAction.SUPPRESS),
	**dict.fromkeys(
		(
			MetaCode.INVALID_PARAMETER,
			MetaCode.REQUIRED_PARAMETER_MISSING,
			MetaCode.PARAMETER_VALUE_INVALID,
			MetaCode.TEMPLATE_PARAMETER_COUNT,
			MetaCode.TEMPLATE_NOT_FOUND,
			MetaCode.TEMPLATE_TEXT_TOO_LONG,
			MetaCode.TEMPLATE_POLICY_VIOLATION,
			MetaCode.TEMPLATE_PARAMETER_FORMAT,
			MetaCode.TEMPLATE_PAUSED,
			MetaCode.TEMPLATE_DISABLED,
			MetaCode.UNSUPPORTED_MESSAGE_TYPE,
			MetaCode.MEDIA_DOWNLOAD_ERROR,
			MetaCode.MEDIA_UPLOAD_ERROR,
		),
		ErrorAction.FIX_INPUT,
	),
	**dict.fromkeys(
		(
			MetaCode.SPAM_RATE_LIMITED,
			MetaCode.TEMPORARILY_BLOCKED,
			MetaCode.ACCOUNT_LOCKED,
			MetaCode.PAYMENT_ISSUE,
			MetaCode.TOKEN_EXPIRED,
			MetaCode.PERMISSION_DENIED,
			MetaCode.PERMISSION_MISSING,
			MetaCode.NOT_REGISTERED,
		),
		ErrorAction.STOP,
	),
}

_PERMISSION_ADVICE = _("The access token lacks the whatsapp_business_messaging permission for this number.")
# What a person can do about the codes users meet most; other codes fall back to Meta's own text.
_ADVICE_BY_CODE: dict[int, str] = {
	MetaCode.TOKEN_EXPIRED: _(
		"The access token has expired or was revoked. Create a permanent system-user "
		"token in Meta Business Settings and paste it into WhatsApp Integration Settings (or the device)."
	),
	MetaCode.PERMISSION_DENIED: _PERMISSION_ADVICE,
	MetaCode.PERMISSION_MISSING: _PERMISSION_ADVICE,
	MetaCode.OUTSIDE_WINDOW: _(
		"More than 24 hours have passed since this customer last wrote. Send an approved template instead."
	),
	MetaCode.USER_STOPPED_MARKETING: _(
		"The customer has stopped marketing messages from this business; "
		"the number was added to the opt-out list."
	),
	MetaCode.RECIPIENT_IS_SENDER: _("The recipient is the sending number itself."),
	MetaCode.UNDELIVERABLE: _(
		"WhatsApp could not deliver to this number: it may not use WhatsApp, or must accept newer terms."
	),
	MetaCode.PAIR_RATE_LIMIT: _(
		"Too many messages to this recipient in a short time; it will be retried after a pause."
	),
	MetaCode.SEND_RATE_EXCEEDED: _("The number's send rate was exceeded; sending slows down and retries."),
	MetaCode.SPAM_RATE_LIMITED: _(
		"Meta limited this number for its spam rate. Campaigns are paused; check the number's quality rating."
	),
	MetaCode.TEMPORARILY_BLOCKED: _(
		"Meta temporarily blocked this account for a policy violation. Check Business Support Home."
	),
	MetaCode.ACCOUNT_LOCKED: _("The WhatsApp Business account is locked. Check Business Support Home."),
	MetaCode.PAYMENT_ISSUE: _("There is a problem with the payment method of the WhatsApp Business account."),
	MetaCode.NOT_REGISTERED: _(
		"The phone number is not registered with the Cloud API. Register it in the Meta app dashboard."
	),
	MetaCode.TEMPLATE_NOT_FOUND: _(
		"The template does not exist in this language, or is not approved yet. Sync templates and check."
	),
	MetaCode.TEMPLATE_PARAMETER_COUNT: _("The number of template parameters does not match the template."),
	MetaCode.REQUIRED_PARAMETER_MISSING: _("A required parameter is missing from the request."),
	MetaCode.PARAMETER_VALUE_INVALID: _("A parameter value is invalid."),
	MetaCode.INVALID_PARAMETER: _("A parameter of the request is invalid."),
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


class WindowClosed(InvalidMessage):
	"""A free-form message to a customer outside the 24 h customer-service window (`core.window`):
	only a template may go; `last_inbound_at` is the customer's last message (None: never wrote)."""

	def __init__(self, message: str, last_inbound_at: datetime | None = None) -> None:
		super().__init__(message)
		self.last_inbound_at = last_inbound_at


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
	action, Meta's title and details, and a readable reason for the Message Log; for Meta's
	support, its `error_subcode`, `fbtrace_id` and `is_transient` as Meta sent them.
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
		subcode: int | None = None,
		fbtrace_id: str | None = None,
		is_transient: bool | None = None,
	) -> None:
		super().__init__(reason)
		self.reason = reason
		self.code = code
		self.http_status = http_status
		self.title = title
		self.details = details
		self.action = action or classify(code, http_status)
		self.subcode = subcode
		self.fbtrace_id = fbtrace_id
		self.is_transient = is_transient


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
			_(
				"The WhatsApp Web session of device {device} is {current} and cannot become {target}. "
				"Refresh the device to see its current state."
			).format(device=device, current=current, target=target)
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
