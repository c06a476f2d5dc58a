"""A business phone number's health as Meta reports it: quality rating, messaging limit tier,
status and name status; what a webhook update changes on it, and which changes need an alert.

Read from `GET /{phone_number_id}?fields=...` (`PHONE_NUMBER_FIELDS`) and updated by the
`phone_number_quality_update` and `account_update` webhooks (`core.webhook.numbers`).
The messaging limit tier is the number of unique users a business may start conversations with
in a rolling 24 hours (`tier_limit`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.operations.alerts import Incident
from whatsapp_integration.core.vocabulary import QualityRating
from whatsapp_integration.core.webhook.numbers import NumberUpdate
from whatsapp_integration.core.webhook.values import as_dict, as_text

PHONE_NUMBER_FIELDS = (
	"quality_rating,messaging_limit_tier,status,name_status,display_phone_number,verified_name,throughput"
)
TIER_LIMITS: dict[str, int | None] = {
	"TIER_50": 50,
	"TIER_250": 250,
	"TIER_1K": 1_000,
	"TIER_2K": 2_000,
	"TIER_10K": 10_000,
	"TIER_100K": 100_000,
	"TIER_UNLIMITED": None,
}
CONNECTED = "CONNECTED"
# Number statuses a campaign must not send through (Meta's `status` and what account updates set).
BLOCKING_STATUSES = frozenset({"RESTRICTED", "BANNED", "DISABLED", "DELETED", "DISCONNECTED", "OFFLINE"})
_QUALITY_RANK = {QualityRating.GREEN: 3, QualityRating.YELLOW: 2, QualityRating.RED: 1}
# What Meta's quality webhook events say about the number's status
_QUALITY_EVENT_STATUS = {"FLAGGED": "FLAGGED", "UNFLAGGED": CONNECTED}
# What account updates say about the number's status (None: no status change, alert only)
_ACCOUNT_EVENT_STATUS: dict[str, str | None] = {
	"ACCOUNT_RESTRICTION": "RESTRICTED",
	"ACCOUNT_VIOLATION": None,
	"ACCOUNT_OFFBOARDED": "DISCONNECTED",
	"ACCOUNT_RECONNECTED": CONNECTED,
	"ACCOUNT_DELETED": "DELETED",
}
_BAN_STATUS = {"DISABLE": "BANNED", "REINSTATE": CONNECTED, "SCHEDULE_FOR_DISABLE": None}
QUALITY_KIND = "number_quality"
STATUS_KIND = "number_status"
LIMIT_KIND = "messaging_limit"
ACCOUNT_KIND = "number_account"
KINDS = (QUALITY_KIND, STATUS_KIND, LIMIT_KIND, ACCOUNT_KIND)


@dataclass(frozen=True)
class NumberHealth:
	"""What Meta says about one business phone number ("" where it said nothing)."""

	quality_rating: str = ""
	messaging_limit_tier: str = ""
	status: str = ""
	name_status: str = ""
	display_phone_number: str = ""
	verified_name: str = ""


def parse_phone_number(body: Any) -> NumberHealth:
	"""The phone number node Meta answered (unknown values kept as Meta wrote them)."""
	node = as_dict(body)
	quality = (as_text(node.get("quality_rating")) or "").upper()
	return NumberHealth(
		quality_rating=quality if quality in QualityRating.__members__ else "",
		messaging_limit_tier=(as_text(node.get("messaging_limit_tier")) or "").upper(),
		status=(as_text(node.get("status")) or "").upper(),
		name_status=(as_text(node.get("name_status")) or "").upper(),
		display_phone_number=as_text(node.get("display_phone_number")) or "",
		verified_name=as_text(node.get("verified_name")) or "",
	)


def tier_limit(tier: str | None) -> int | None:
	"""Unique recipients per rolling 24 h the tier allows; None for unlimited or unknown."""
	return TIER_LIMITS.get((tier or "").upper())


def unhealthy_reason(health: NumberHealth, error: str | None) -> str | None:
	"""Why a campaign should not send through this number now; None when it may."""
	if error:
		return _("its last health check failed: {error}").format(error=error)
	if health.quality_rating == QualityRating.RED:
		return _("its quality rating is RED (low)")
	if health.status in BLOCKING_STATUSES:
		return _("its status is {status}").format(status=health.status)
	return None


def apply_update(health: NumberHealth, update: NumberUpdate) -> NumberHealth:
	"""The number's health after a webhook update."""
	status = _status_after(update)
	tier = (update.current_limit or "").upper() or health.messaging_limit_tier
	quality = (update.quality_rating or "").upper()
	return dataclasses.replace(
		health,
		status=status or health.status,
		messaging_limit_tier=tier,
		quality_rating=quality if quality in QualityRating.__members__ else health.quality_rating,
	)


def _status_after(update: NumberUpdate) -> str | None:
	if update.field == NumberUpdate.QUALITY:
		return _QUALITY_EVENT_STATUS.get(update.event)
	if update.event == "DISABLED_UPDATE":
		return _BAN_STATUS.get(update.ban_state or "")
	return _ACCOUNT_EVENT_STATUS.get(update.event)


def health_incidents(
	device: str, before: NumberHealth, after: NumberHealth, update: NumberUpdate | None = None
) -> list[Incident]:
	"""Alerts for what changed: quality dropped, a status that stops sending, a new messaging
	limit (either way), an account event (violation, restriction, ban). Each carries the new
	value in its kind, so a further drop within the incident's lifetime alerts again."""
	incidents = []
	if _rank(after.quality_rating) < _rank(before.quality_rating or QualityRating.GREEN):
		incidents.append(_quality_incident(device, before, after))
	if after.status != before.status and after.status not in ("", CONNECTED):
		incidents.append(_status_incident(device, after))
	if before.messaging_limit_tier and after.messaging_limit_tier != before.messaging_limit_tier:
		incidents.append(_limit_incident(device, before, after))
	if update and update.field == NumberUpdate.ACCOUNT and update.event in _ACCOUNT_ALERTS:
		incidents.append(_account_incident(device, update))
	return incidents


def _rank(quality: str) -> int:
	return _QUALITY_RANK.get(quality, 4)


def _quality_incident(device: str, before: NumberHealth, after: NumberHealth) -> Incident:
	return Incident(
		f"{QUALITY_KIND}:{after.quality_rating}",
		device,
		_("WhatsApp device {device}: quality rating dropped to {quality}").format(
			device=device, quality=after.quality_rating
		),
		_(
			"Meta rates the quality of device {device}'s number {quality} (it was "
			"{before}). Customers block or report its messages: send fewer "
			"marketing messages, only to people who asked for them. At RED campaigns stop using it, and "
			"Meta may lower its messaging limit."
		).format(device=device, quality=after.quality_rating, before=before.quality_rating or _("not known")),
	)


def _status_incident(device: str, after: NumberHealth) -> Incident:
	return Incident(
		f"{STATUS_KIND}:{after.status}",
		device,
		_("WhatsApp device {device}: number status {status}").format(device=device, status=after.status),
		_(
			"Meta reports the status of device {device}'s number as {status}. Check the number in "
			"WhatsApp Manager (Meta Business Suite) for the reason and what to do."
		).format(device=device, status=after.status),
	)


def _limit_incident(device: str, before: NumberHealth, after: NumberHealth) -> Incident:
	new, old = after.messaging_limit_tier or _("not set"), before.messaging_limit_tier
	return Incident(
		f"{LIMIT_KIND}:{new}",
		device,
		_("WhatsApp device {device}: messaging limit changed to {limit}").format(device=device, limit=new),
		_(
			"Meta changed the messaging limit of device {device}'s number from {old} to {new} "
			"({recipients} per 24 hours). Campaigns spread their "
			"recipients by the new limit."
		).format(device=device, old=old, new=new, recipients=_limit_words(after.messaging_limit_tier)),
	)


def _limit_words(tier: str) -> str:
	limit = tier_limit(tier)
	return (
		_("{limit:,} unique recipients").format(limit=limit) if limit else _("no fixed number of recipients")
	)


_ACCOUNT_ALERTS = frozenset({"ACCOUNT_VIOLATION", "ACCOUNT_RESTRICTION", "DISABLED_UPDATE"})


def _account_incident(device: str, update: NumberUpdate) -> Incident:
	details = "; ".join(part for part in (update.details, update.ban_state) if part)
	return Incident(
		f"{ACCOUNT_KIND}:{update.event}",
		device,
		_("WhatsApp device {device}: account update {event}").format(device=device, event=update.event),
		(
			_(
				"Meta sent an account update ({event}) for the WhatsApp Business Account of device "
				"{device}: {details}. Open WhatsApp Manager (Meta Business Suite) to see the policy and what to do."
			)
			if details
			else _(
				"Meta sent an account update ({event}) for the WhatsApp Business Account of device "
				"{device}. Open WhatsApp Manager (Meta Business Suite) to see the policy and what to do."
			)
		).format(event=update.event, device=device, details=details),
	)
