"""Health rules: each part reports ok, degraded or down; the worst part decides the whole.

A part that cannot work at all without the rest (the database, Redis) reports down when it
fails; parts that only slow or stop some features (workers, scheduler, session host, one
device, one token) report degraded, so a load balancer keeps the site in rotation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from whatsapp_integration.core.errors import GraphApiError, MetaCode
from whatsapp_integration.core.graph_api import GraphReader
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import SessionState

OK = "ok"
DEGRADED = "degraded"
DOWN = "down"
_SEVERITY = {OK: 0, DEGRADED: 1, DOWN: 2}
HEARTBEAT_MAX_AGE = 60.0  # the session host beats more often than this
SCHEDULER_MAX_AGE = 900.0  # some scheduled job runs at least this often


@dataclass(frozen=True)
class Check:
	name: str
	status: str
	detail: str = ""
	error_code: int | None = None

	def __post_init__(self) -> None:
		if self.status not in _SEVERITY:
			raise ValueError(f"A check status must be ok, degraded or down, not {self.status!r}.")

	def to_dict(self) -> dict[str, Any]:
		return asdict(self)


def overall(checks: Iterable[Check]) -> str:
	"""The worst status among `checks` (ok when there are none)."""
	return max((check.status for check in checks), key=_SEVERITY.__getitem__, default=OK)


def heartbeat_check(name: str, last_beat: float | None, now: float, max_age: float) -> Check:
	"""A process that writes an epoch-seconds heartbeat is alive if the beat is recent."""
	if last_beat is None:
		return Check(name, DEGRADED, _("No heartbeat: the process is not running."))
	age = now - last_beat
	if age > max_age:
		return Check(
			name,
			DEGRADED,
			_("Last heartbeat {age:.0f} s ago (more than {max_age:.0f} s).").format(age=age, max_age=max_age),
		)
	return Check(name, OK, _("Last heartbeat {age:.0f} s ago.").format(age=max(age, 0)))


def scheduler_check(enabled: bool, seconds_since_last_run: float | None, max_age: float) -> Check:
	if not enabled:
		return Check("scheduler", DEGRADED, _("The scheduler is disabled: retries and campaigns do not run."))
	if seconds_since_last_run is None:
		return Check("scheduler", DEGRADED, _("The scheduler has not run any job yet."))
	if seconds_since_last_run > max_age:
		return Check(
			"scheduler",
			DEGRADED,
			_("No scheduled job ran for {minutes:.0f} minutes.").format(minutes=seconds_since_last_run / 60),
		)
	return Check("scheduler", OK, _("Last job {seconds:.0f} s ago.").format(seconds=seconds_since_last_run))


def workers_check(worker_count: int) -> Check:
	if worker_count <= 0:
		return Check("workers", DEGRADED, _("No background worker is registered: queued sends wait."))
	return Check("workers", OK, _("{count} worker(s) registered.").format(count=worker_count))


def device_check(device: str, mode: str, enabled: bool, state: str | None) -> Check:
	"""An enabled web-mode device must be WORKING; official devices have no session state, so
	their state (when known) only counts if it names an error."""
	name = f"device:{device}"
	if not enabled:
		return Check(name, OK, _("Disabled."))
	if mode == DeviceMode.WEB:
		if state == SessionState.WORKING:
			return Check(name, OK, _("Session WORKING."))
		return Check(
			name,
			DEGRADED,
			_("Session is {state}: link it from the device form.").format(state=state or _("not started")),
		)
	if state and state.lower() in ("error", "failed"):
		return Check(name, DEGRADED, _("Device status is {state}.").format(state=state))
	return Check(name, OK, state or _("Official"))


def token_check(client: GraphReader, phone_number_id: str, subject: str) -> Check:
	"""GET the phone number node: it answers only for a valid token with access to the number."""
	name = f"token:{subject}"
	try:
		client.get(phone_number_id, {"fields": "id"})
	except GraphApiError as error:
		if error.code == MetaCode.TOKEN_EXPIRED:
			detail = _("The access token has expired or was revoked (Meta error {code}).").format(
				code=f"{MetaCode.TOKEN_EXPIRED:d}"
			)
			return Check(name, DEGRADED, detail, MetaCode.TOKEN_EXPIRED)
		return Check(name, DEGRADED, str(error), error.code)
	return Check(name, OK, _("The access token is valid."))


def is_token_expired(check: Check) -> bool:
	return check.status != OK and check.error_code == MetaCode.TOKEN_EXPIRED
