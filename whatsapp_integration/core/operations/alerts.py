"""Alert decisions: which incidents are open now, and which of them are new.

One incident is one alert: an incident's key (kind + subject) is opened in a store with a
time to live; while the condition keeps showing up, each check refreshes the TTL instead of
alerting again. Once the condition has been gone for a whole TTL the key expires, so the
next occurrence is a new incident and alerts again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from whatsapp_integration.core.errors import MetaCode
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.web.states import SessionState

DEVICE_FAILURES = "device_failures"
SESSION_LOST = "session_lost"
TOKEN_EXPIRED = "token_expired"
SIGNATURE_FAILURES = "signature_failures"
SESSION_HOST_DOWN = "session_host_down"


@dataclass(frozen=True)
class Incident:
	kind: str
	subject: str
	title: str
	message: str

	@property
	def key(self) -> str:
		return f"{self.kind}:{self.subject}"


class IncidentStore(Protocol):
	def open(self, key: str, ttl: int) -> bool:
		"""Mark `key` open for `ttl` seconds; True only if it was not open already."""
		...

	def keep_open(self, key: str, ttl: int) -> None: ...


def new_incidents(incidents: Iterable[Incident], store: IncidentStore, ttl: int) -> list[Incident]:
	"""The incidents that need an alert now; the others are refreshed as still open."""
	fresh = []
	for incident in incidents:
		if store.open(incident.key, ttl):
			fresh.append(incident)
		else:
			store.keep_open(incident.key, ttl)
	return fresh


def device_failure_incidents(failures_by_device: Mapping[str, int], threshold: int) -> list[Incident]:
	return [
		Incident(
			DEVICE_FAILURES,
			device,
			_("WhatsApp device {device}: {count} failed sends").format(device=device, count=count),
			_(
				"{count} messages from device {device} failed in the last hour (alert threshold "
				"{threshold}). Open the WhatsApp Message Log filtered on this device to see Meta's reasons."
			).format(count=count, device=device, threshold=threshold),
		)
		for device, count in sorted(failures_by_device.items())
		if count >= threshold
	]


def session_lost_incidents(previous: Mapping[str, str], current: Mapping[str, str]) -> list[Incident]:
	"""Web sessions that were WORKING at the last check and are not now."""
	return [
		Incident(
			SESSION_LOST,
			device,
			_("WhatsApp device {device} left WORKING").format(device=device),
			_(
				"The WhatsApp Web session of device {device} is now {state}. "
				"Open the device and link it again (scan the QR code) so its messages go out."
			).format(device=device, state=current.get(device) or _("gone")),
		)
		for device, state in sorted(previous.items())
		if state == SessionState.WORKING and current.get(device) != SessionState.WORKING
	]


def token_expired_incidents(subjects: Iterable[str]) -> list[Incident]:
	return [
		Incident(
			TOKEN_EXPIRED,
			subject,
			_("WhatsApp access token expired ({subject})").format(subject=subject),
			_(
				"Meta refuses the access token (error {code}: expired or revoked); nothing can be sent "
				"through it. Create a permanent system-user token in Meta Business Settings and paste "
				"it into WhatsApp Integration Settings or the device."
			).format(code=f"{MetaCode.TOKEN_EXPIRED:d}"),
		)
		for subject in sorted(set(subjects))
	]


def signature_failure_incidents(count: int, threshold: int) -> list[Incident]:
	if count < threshold:
		return []
	return [
		Incident(
			SIGNATURE_FAILURES,
			"webhook",
			_("{count} WhatsApp webhook calls with a bad signature").format(count=count),
			_(
				"{count} webhook requests were refused for a wrong X-Hub-Signature-256 in the last hour "
				"(threshold {threshold}). Check that the App Secret in Settings matches the Meta app, "
				"or someone is probing the webhook URL."
			).format(count=count, threshold=threshold),
		)
	]


def session_host_down_incident(devices: Iterable[str], since: str) -> Incident:
	"""The WhatsApp Web session host stopped and left `devices` linked or linking: their
	sessions are gone until it runs again."""
	names = ", ".join(sorted(devices))
	return Incident(
		SESSION_HOST_DOWN,
		"session_host",
		_("The WhatsApp Web session host is not running"),
		_(
			"The WhatsApp Web session host has not been running since {since}, so Web devices can "
			"neither link nor send. The sessions it left ({devices}) are now STOPPED. Start the host "
			"(`bench --site <site> whatsapp-web-host`, or its line in the Procfile / supervisor), then "
			"click Link on each device."
		).format(since=since, devices=names),
	)
