"""The rules of `bench whatsapp doctor`: each check is ok, warning or failure, with what was
found and, when it is not ok, the fix in one line. Readers gather the facts (services/doctor.py);
these functions only judge them, so every rule is tested without a site or Meta.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from whatsapp_integration.core.i18n import _, joined
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.operations import health
from whatsapp_integration.core.vocabulary import QualityRating

OK = "ok"
WARNING = "warning"
FAILURE = "failure"
_SEVERITY = {OK: 0, WARNING: 1, FAILURE: 2}
MESSAGING_SCOPE = "whatsapp_business_messaging"
TOKEN_WARNING_DAYS = 7
INBOX_BACKLOG_WARNING = 100
INBOX_OLDEST_WARNING_SECONDS = 600.0
CONNECTED = "CONNECTED"


@dataclass(frozen=True)
class Finding:
	check: str
	status: str
	detail: str
	fix: str = ""

	def __post_init__(self) -> None:
		if self.status not in _SEVERITY:
			raise ValueError(f"A doctor finding is ok, warning or failure, not {self.status!r}.")

	def to_dict(self) -> dict[str, str]:
		return asdict(self)


def worst(findings: Iterable[Finding]) -> str:
	return max((finding.status for finding in findings), key=_SEVERITY.__getitem__, default=OK)


def exit_code(findings: Iterable[Finding]) -> int:
	"""Non-zero when something fails (warnings alone exit 0)."""
	return 1 if worst(findings) == FAILURE else 0


def settings_complete(
	has_token: bool, has_official_devices: bool, devices: int, has_default: bool = True
) -> Finding:
	if devices == 0:
		return Finding(
			"settings",
			FAILURE,
			_("No WhatsApp Device is enabled."),
			_("Create a WhatsApp Device (mode Sandbox to try)."),
		)
	if has_official_devices and not has_token:
		return Finding(
			"settings",
			FAILURE,
			_("An Official device has no access token, and Settings have none."),
			_("Paste a system-user token into WhatsApp Integration Settings > Access token."),
		)
	if not has_default:
		return Finding(
			"settings",
			WARNING,
			_(
				"{devices} device(s) enabled, none is the default: a send that names no device is refused."
			).format(devices=devices),
			_("Tick Default device on one WhatsApp Device."),
		)
	return Finding("settings", OK, _("{devices} device(s) enabled.").format(devices=devices))


def webhook_secrets(app_secret: bool, verify_token: bool) -> list[Finding]:
	return [
		Finding("app_secret", OK, _("App secret is set."))
		if app_secret
		else Finding(
			"app_secret",
			FAILURE,
			_("No App secret: every webhook POST is refused."),
			_("Copy it from Meta's app (App settings > Basic) into Settings > App secret."),
		),
		Finding("verify_token", OK, _("Webhook verify token is set."))
		if verify_token
		else Finding(
			"verify_token",
			FAILURE,
			_("No webhook verify token: Meta cannot verify the callback URL."),
			_("Choose one in Settings > Webhook verify token and enter the same in Meta's webhook setup."),
		),
	]


def token_finding(device: str, answer: Mapping[str, Any], now: datetime) -> Finding:
	"""Judge Meta's `GET /debug_token?input_token=` answer for the device's token."""
	name = f"token:{device}"
	data = answer.get("data") if isinstance(answer.get("data"), Mapping) else {}
	fix = _(
		"Generate a permanent system-user token (Meta Business Settings) and paste it into Settings or the device."
	)
	if not data.get("is_valid"):
		error = data.get("error") if isinstance(data.get("error"), Mapping) else {}
		reason = str(error.get("message") or _("Meta says the token is not valid"))
		return Finding(
			name, FAILURE, _("The access token is not valid: {reason}.").format(reason=reason), fix
		)
	scopes = data.get("scopes") if isinstance(data.get("scopes"), list) else []
	if MESSAGING_SCOPE not in scopes:
		return Finding(
			name,
			FAILURE,
			_("The token lacks the {scope} permission.").format(scope=MESSAGING_SCOPE),
			_("Give the system user {scope} on the app and generate the token again.").format(
				scope=MESSAGING_SCOPE
			),
		)
	expires = int(data.get("expires_at") or 0)
	if not expires:
		return Finding(name, OK, _("Valid; never expires."))
	at = datetime.fromtimestamp(expires, timezone.utc)
	days = (at - now).total_seconds() / 86400
	when = at.strftime("%Y-%m-%d %H:%M UTC")
	if days <= 0:
		return Finding(name, FAILURE, _("The access token expired at {when}.").format(when=when), fix)
	if days < TOKEN_WARNING_DAYS:
		return Finding(
			name,
			WARNING,
			_("Valid, but expires at {when} (in {days:.1f} days).").format(when=when, days=days),
			fix,
		)
	return Finding(name, OK, _("Valid until {when}.").format(when=when))


def number_finding(device: str, health: NumberHealth) -> Finding:
	"""Phone number status, quality rating and messaging limit tier."""
	name = f"number:{device}"
	values = {
		"status": health.status or _("unknown"),
		"quality": health.quality_rating or _("unknown"),
		"limit": health.messaging_limit_tier or _("unknown"),
	}
	facts = _("status {status}, quality {quality}, limit {limit}").format(**values)
	if health.status and health.status != CONNECTED:
		return Finding(
			name,
			FAILURE,
			_("The number cannot send normally ({facts}).").format(facts=facts),
			_(
				"Open WhatsApp Manager > Phone numbers in Meta Business Suite and resolve the number's status."
			),
		)
	if health.quality_rating == QualityRating.RED:
		return Finding(
			name,
			FAILURE,
			_("Quality is RED ({facts}): campaigns stop using the device.").format(facts=facts),
			_("Send fewer marketing messages, only to customers who opted in, until the rating recovers."),
		)
	if health.quality_rating == QualityRating.YELLOW:
		return Finding(
			name,
			WARNING,
			_("Quality is YELLOW ({facts}).").format(facts=facts),
			_("Check recent templates for blocks and reports; slow campaigns down."),
		)
	return Finding(name, OK, _("Status {status}, quality {quality}, limit {limit}.").format(**values))


def subscription_finding(device: str, waba_id: str, answer: Mapping[str, Any]) -> Finding:
	"""Judge `GET /{waba_id}/subscribed_apps`: without a subscribed app no webhook arrives."""
	name = f"subscribed:{device}"
	apps = [app for app in answer.get("data") or [] if isinstance(app, Mapping)]
	if not apps:
		return Finding(
			name,
			FAILURE,
			_("No app is subscribed to WhatsApp account {waba_id}: no webhook arrives.").format(
				waba_id=waba_id
			),
			f"POST https://graph.facebook.com/<version>/{waba_id}/subscribed_apps with the token.",
		)
	names = joined([_app_name(app) for app in apps], ", ")
	return Finding(name, OK, _("Subscribed: {names}.").format(names=names))


def _app_name(app: Mapping[str, Any]) -> str:
	name = (app.get("whatsapp_business_api_data") or {}).get("name")
	return str(name) if name else _("an app")


def waba_missing(device: str) -> Finding:
	return Finding(
		f"subscribed:{device}",
		WARNING,
		_("No WhatsApp Business Account ID on the device: the webhook subscription cannot be checked."),
		_("Copy the WABA ID from Meta's app (WhatsApp > API Setup) into the device."),
	)


def check_failed(check: str, error: str) -> Finding:
	"""A check whose facts could not be read (Meta refused: its code and advice are in `error`)."""
	return Finding(
		check,
		FAILURE,
		_("Failed: {error}").format(error=error),
		_("Fix what the message says, then run the doctor again."),
	)


def from_health(check: health.Check, fix: str) -> Finding:
	"""A health check as a doctor finding: anything not ok fails, with `fix`."""
	if check.status == health.OK:
		return Finding(check.name, OK, check.detail)
	return Finding(check.name, FAILURE, check.detail, fix)


def scheduler_finding(enabled: bool, seconds_since_last_run: float | None) -> Finding:
	return from_health(
		health.scheduler_check(enabled, seconds_since_last_run, health.SCHEDULER_MAX_AGE),
		_("bench --site <site> enable-scheduler, and keep `bench schedule` running (Procfile / supervisor)."),
	)


def workers_finding(count: int) -> Finding:
	return from_health(
		health.workers_check(count), _("Start the RQ workers: bench worker (Procfile / supervisor).")
	)


def session_host_finding(heartbeat_age: float | None) -> Finding:
	"""`heartbeat_age`: seconds since the host's last heartbeat (None: no heartbeat)."""
	last_beat = None if heartbeat_age is None else -heartbeat_age  # on a clock where now is 0
	check = health.heartbeat_check("session_host", last_beat, 0.0, health.HEARTBEAT_MAX_AGE)
	return from_health(
		check, _("Start it: bench --site <site> whatsapp-web-host (see README, Unofficial mode).")
	)


def web_session_finding(device: str, state: str | None) -> Finding:
	if state == "WORKING":
		return Finding(f"session:{device}", OK, _("WORKING."))
	return Finding(
		f"session:{device}",
		FAILURE if state == "FAILED" else WARNING,
		_("The session is {state}.").format(state=state or "STOPPED"),
		_("bench --site <site> whatsapp link --device {device!r} (or Link on the device form).").format(
			device=device
		),
	)


def inbox_finding(queued: int, oldest_age: float | None, failed: int) -> Finding:
	fix = _("Check the workers and the Error Log; set fixed Failed events back to Queued.")
	if failed:
		return Finding(
			"webhook_inbox",
			FAILURE,
			_("{failed} webhook event(s) Failed; {queued} queued.").format(failed=failed, queued=queued),
			fix,
		)
	if queued >= INBOX_BACKLOG_WARNING or (oldest_age or 0) > INBOX_OLDEST_WARNING_SECONDS:
		waiting = (
			_("{queued} webhook event(s) waiting, the oldest {minutes:.0f} minutes old.").format(
				queued=queued, minutes=oldest_age / 60
			)
			if oldest_age
			else _("{queued} webhook event(s) waiting.").format(queued=queued)
		)
		return Finding("webhook_inbox", WARNING, waiting, fix)
	return Finding("webhook_inbox", OK, _("{queued} webhook event(s) waiting.").format(queued=queued))
