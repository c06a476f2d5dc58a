"""`RoutingRepository` (services.campaign_routing) on the site's database: device health and
usage, the routed device of each WhatsApp Campaign Recipient, and the Message Log history that
keeps a customer on the device they talked to."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

import frappe

from whatsapp_integration.core.campaign.planning import OPEN_STATES, shown_state
from whatsapp_integration.core.campaign.routing import DeviceUsage, RoutingDevice
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.core.vocabulary import Direction, MessageStatus, RecipientState
from whatsapp_integration.repositories.rows import chunks
from whatsapp_integration.site.doctypes import DEVICE

_CHUNK = 1000
_DEVICE_FIELDS = ("name", "mode", "enabled", "daily_cap", "web_state", "health_error")
_HEALTH_FIELDS = ("quality_rating", "messaging_limit_tier", "number_status", "name_status")


class FrappeRoutingRepository:
	def routing_device(self, name: str) -> RoutingDevice:
		row = frappe.db.get_value(DEVICE, name, [*_DEVICE_FIELDS, *_HEALTH_FIELDS], as_dict=True)
		if not row:
			return RoutingDevice(name, "", False)
		health = NumberHealth(*(row.get(field) or "" for field in _HEALTH_FIELDS))
		return RoutingDevice(
			row.name,
			row.mode,
			bool(row.enabled),
			int(row.daily_cap or 0),
			row.web_state,
			health,
			row.health_error or None,
		)

	def device_usage(self, device: str, day_start: datetime, window_start: datetime) -> DeviceUsage:
		sent_today, unique = frappe.db.sql(
			"""select sum(creation >= %(day)s), count(distinct if(creation >= %(window)s, to_number, null))
			from `tabWhatsApp Message Log` where device = %(device)s and direction = %(out)s
			and status != %(failed)s and creation >= least(%(day)s, %(window)s)""",
			{
				"day": day_start,
				"window": window_start,
				"device": device,
				"out": Direction.OUTBOUND,
				"failed": MessageStatus.FAILED,
			},
		)[0]
		open_rows = frappe.db.sql(
			"""select count(*) from `tabWhatsApp Campaign Recipient` where device = %s and state in %s""",
			(device, OPEN_STATES),
		)[0][0]
		return DeviceUsage(int(sent_today or 0), int(unique or 0), int(open_rows or 0))

	def unrouted(self, campaign: str) -> list[tuple[str, str]]:
		rows = frappe.db.sql(
			"""select name, number from `tabWhatsApp Campaign Recipient`
			where campaign = %s and state = %s and (device is null or device = '') order by creation, name""",
			(campaign, RecipientState.PENDING),
		)
		return [(name, number) for name, number in rows]

	def assign(self, assignments: Mapping[str, str]) -> int:
		by_device: dict[str, list[str]] = defaultdict(list)
		for name, device in assignments.items():
			by_device[device].append(name)
		given = 0
		for device, names in by_device.items():
			for chunk in chunks(names, _CHUNK):
				frappe.db.sql(
					"""update `tabWhatsApp Campaign Recipient` set device = %s
					where name in %s and state = %s and (device is null or device = '')""",
					(device, tuple(chunk), RecipientState.PENDING),
				)
				given += frappe.db._cursor.rowcount
		frappe.db.commit()  # nosemgrep: the dispatchers claim by device: they must see it at once
		return given

	def unassign(self, campaign: str, device: str) -> int:
		frappe.db.sql(
			"""update `tabWhatsApp Campaign Recipient` set device = null
			where campaign = %s and device = %s and state = %s""",
			(campaign, device, RecipientState.PENDING),
		)
		taken = frappe.db._cursor.rowcount
		frappe.db.commit()  # nosemgrep: as assign
		return taken

	def last_devices(self, numbers: Iterable[str], devices: Iterable[str]) -> dict[str, str]:
		"""Messages that failed are no conversation. One indexed query per chunk of numbers
		(to_number and from_number are indexed)."""
		devices, last = tuple(devices), {}
		rows: list[tuple[str, str, datetime]] = []
		for chunk in chunks(sorted(numbers), _CHUNK):
			rows += frappe.db.sql(
				"""select if(direction = %(out)s, to_number, from_number), device, creation
				from `tabWhatsApp Message Log` where device in %(devices)s and status != %(failed)s
				and (to_number in %(numbers)s or from_number in %(numbers)s)""",
				{
					"out": Direction.OUTBOUND,
					"devices": devices,
					"numbers": tuple(chunk),
					"failed": MessageStatus.FAILED,
				},
			)
		for number, device, _ in sorted(rows, key=lambda row: row[2]):
			last[number] = device
		return last

	def progress_by_device(self, campaign: str) -> dict[str, dict[str, int]]:
		rows = frappe.db.sql(
			"""select r.device, r.state, l.status, count(*) from `tabWhatsApp Campaign Recipient` r
			left join `tabWhatsApp Message Log` l on l.name = r.message_log
			where r.campaign = %s group by 1, 2, 3""",
			(campaign,),
		)
		counts: dict[str, Counter[str]] = defaultdict(Counter)
		for device, state, log_status, count in rows:
			counts[device or ""][shown_state(state, log_status)] += int(count)
		return {device: dict(states) for device, states in counts.items()}
