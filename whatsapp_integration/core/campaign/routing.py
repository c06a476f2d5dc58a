"""Which device sends to which recipient when a campaign uses several devices.

Rules, in order:
1. A device that is unhealthy (disabled, a FAILED Web session, a failed health check such as an
   expired token, quality RED, a restricted or banned number) takes no recipient.
2. A recipient who already talked to one of the campaign's healthy devices (the last message
   either way in the Message Log) stays on it, and waits for it when it is full today.
3. The others are spread over the healthy devices in proportion to what each may still send
   today (largest remainder; never more than that).
4. What no device can take today waits, unassigned, for a later day: the campaign keeps running.

A device's room today (`remaining_capacity`): an official number may reach as many unique
recipients in a rolling 24 h as its messaging limit tier allows; a Web device as its daily cap
and its pacing allow before midnight; any device at most its own daily cap; minus what it sent
and what is already assigned to it and not yet sent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from whatsapp_integration.core.caps import has_daily_cap, remaining_today
from whatsapp_integration.core.i18n import _, joined
from whatsapp_integration.core.number_health import NumberHealth, tier_limit, unhealthy_reason
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import SessionState


@dataclass(frozen=True)
class DeviceStanding:
	"""A device as routing sees it now: `remaining` more recipients today (None: no known
	limit), or `unhealthy` with the reason it takes none."""

	name: str
	remaining: int | None
	unhealthy: str | None = None


@dataclass(frozen=True)
class DeviceUsage:
	"""What a device sent and holds: messages today, unique recipients in the last 24 h, and
	campaign recipients assigned to it and not sent yet."""

	sent_today: int = 0
	unique_recipients_24h: int = 0
	assigned_open: int = 0


@dataclass(frozen=True)
class RoutingDevice:
	"""What routing reads about a device."""

	name: str
	mode: str
	enabled: bool
	daily_cap: int = 0
	web_state: str | None = None
	health: NumberHealth = field(default_factory=NumberHealth)
	health_error: str | None = None


@dataclass
class Routing:
	assigned: dict[str, str] = field(default_factory=dict)  # recipient row -> device
	waiting: list[str] = field(default_factory=list)  # rows no device can take today


def remaining_capacity(
	mode: str,
	tier: str | None,
	daily_cap: int,
	usage: DeviceUsage,
	*,
	seconds_left_today: float,
	web_gap_seconds: float,
	web_daily_cap: int,
) -> int | None:
	"""How many more recipients the device may be given today; None when nothing limits it.
	`web_gap_seconds` is a Web send's mean gap (pacing), `web_daily_cap` the Settings' cap of
	every Web device."""
	caps = [daily_cap, web_daily_cap] if mode == DeviceMode.WEB else [daily_cap]
	limits = [remaining_today(cap, usage.sent_today) for cap in caps if has_daily_cap(cap)]
	if mode == DeviceMode.OFFICIAL and tier_limit(tier) is not None:
		limits.append(max(0, (tier_limit(tier) or 0) - usage.unique_recipients_24h))
	if mode == DeviceMode.WEB and web_gap_seconds > 0:
		limits.append(math.floor(seconds_left_today / web_gap_seconds))
	if not limits:
		return None
	return max(0, min(limits) - usage.assigned_open)


def route(
	rows: Sequence[tuple[str, str]], devices: Sequence[DeviceStanding], history: Mapping[str, str]
) -> Routing:
	"""Assign `rows` ((row name, number), in order) to `devices`; `history` maps a number to the
	device it last talked with."""
	healthy = [device for device in devices if not device.unhealthy]
	room = {device.name: device.remaining for device in healthy}
	routing, free = Routing(), []
	for name, number in rows:
		device = history.get(number)
		if device not in room:
			free.append(name)
		elif _take(room, device):
			routing.assigned[name] = device
		else:
			routing.waiting.append(name)
	shares = quotas(len(free), [DeviceStanding(name, left) for name, left in room.items()])
	position = 0
	for device, share in shares.items():
		for name in free[position : position + share]:
			routing.assigned[name] = device
		position += share
	routing.waiting.extend(free[position:])
	return routing


def _take(room: dict[str, int | None], device: str) -> bool:
	left = room[device]
	if left is None:
		return True
	if left <= 0:
		return False
	room[device] = left - 1
	return True


def quotas(count: int, devices: Sequence[DeviceStanding]) -> dict[str, int]:
	"""`count` recipients split in proportion to each device's room (a device without a known
	limit weighs as much as all of them), each share at most the device's room."""
	weights = {d.name: count if d.remaining is None else max(0, d.remaining) for d in devices}
	placed = min(count, sum(weights.values()))
	total = sum(weights.values())
	if not placed:
		return dict.fromkeys(weights, 0)
	exact = {name: placed * weight / total for name, weight in weights.items()}
	shares = {name: min(math.floor(value), weights[name]) for name, value in exact.items()}
	by_remainder = sorted(weights, key=lambda name: exact[name] - shares[name], reverse=True)
	while sum(shares.values()) < placed:
		for name in by_remainder:
			if sum(shares.values()) < placed and shares[name] < weights[name]:
				shares[name] += 1
	return shares


def waiting_reason(waiting: int, devices: Sequence[DeviceStanding]) -> str:
	"""Why a running campaign holds recipients back (shown as its status reason)."""
	unhealthy = [
		_("{device} ({reason})").format(device=d.name, reason=d.unhealthy) for d in devices if d.unhealthy
	]
	if not unhealthy:
		return _(
			"{waiting} recipients wait for capacity: the campaign's devices have reached what they may "
			"send today. They are sent as capacity frees (the daily cap at midnight, Meta's messaging "
			"limit 24 hours after the messages it counts); the campaign keeps running."
		).format(waiting=waiting)
	return _(
		"{waiting} recipients wait for capacity: the campaign's devices have reached what they may "
		"send today. They are sent as capacity frees (the daily cap at midnight, Meta's messaging "
		"limit 24 hours after the messages it counts); the campaign keeps running. Not used now: {devices}."
	).format(waiting=waiting, devices=joined(unhealthy, "; "))


def unusable_reason(
	mode: str, enabled: bool, web_state: str | None, health: NumberHealth, health_error: str | None
) -> str | None:
	"""Why a campaign must not send through the device now; None when it may."""
	if not enabled:
		return _("disabled")
	if mode == DeviceMode.WEB and web_state == SessionState.FAILED:
		return _("its WhatsApp Web session FAILED")

	if mode == DeviceMode.OFFICIAL:
		return unhealthy_reason(health, health_error)
	return None
