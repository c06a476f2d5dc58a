"""WhatsApp Web sessions on the WhatsApp Device: state, history, QR code, last seen.

Runs in the session host (on its relay thread). Each change is committed at once and pushed
to open Device forms with `frappe.publish_realtime` (event `whatsapp_web_session`).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import frappe
from frappe.permissions import get_doctype_roles
from frappe.utils import convert_utc_to_system_timezone, now_datetime
from frappe.utils.user import get_users_with_role

from whatsapp_integration.core.phone import same_number
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import (
	HISTORY_LIMIT,
	SessionSnapshot,
	SessionState,
	Transition,
	device_status,
)
from whatsapp_integration.operations.alerts import alert_linked_number_mismatch
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.site.doctypes import DEVICE

REALTIME_EVENT = "whatsapp_web_session"


class FrappeWebSessionRepository:
	def __init__(self) -> None:
		self.profile_dir_for: Callable[[str], Path] | None = None
		"""Set by the host: the Device then shows where its browser profile lives."""

	def get_device(self, name: str) -> DeviceProfile:
		return FrappeMessageRepository().get_device(name)

	def save_session(self, snapshot: SessionSnapshot, transition: Transition | None) -> None:
		if not frappe.db.exists(DEVICE, snapshot.device):
			return
		values = _session_values(snapshot)
		previous = frappe.db.get_value(DEVICE, snapshot.device, ["phone_number", "web_number_mismatch"])
		values.update(_linked_values(snapshot, previous[0]))
		if transition is not None:
			values["web_state_history"] = json.dumps(self._history(snapshot.device, transition))
		if self.profile_dir_for is not None:
			values["web_profile_path"] = str(self.profile_dir_for(snapshot.device))
		frappe.db.set_value(DEVICE, snapshot.device, values, update_modified=False)
		frappe.db.commit()
		_publish(snapshot, values["web_qr_image"])
		if values.get("web_number_mismatch") and not previous[1]:
			_alert_mismatch(snapshot, previous[0])

	def restorable_devices(self) -> list[str]:
		return frappe.get_all(
			DEVICE,
			filters={"mode": DeviceMode.WEB, "enabled": 1, "web_state": SessionState.WORKING.value},
			pluck="name",
		)

	def stop_sessions(self, states: Iterable[SessionState], reason: str) -> list[str]:
		left = [state.value for state in states]
		devices = frappe.get_all(DEVICE, filters={"web_state": ("in", left)}, pluck="name")
		for device in devices:
			stopped = SessionSnapshot(
				device, SessionState.STOPPED, (Transition(SessionState.STOPPED, time.time(), reason),)
			)
			self.save_session(stopped, stopped.history[0])
		return devices

	def _history(self, device: str, transition: Transition) -> list[dict[str, Any]]:
		stored = frappe.db.get_value(DEVICE, device, "web_state_history")
		try:
			history = json.loads(stored) if isinstance(stored, str) else list(stored or [])
		except ValueError:
			history = []
		entry = {**transition.to_dict(), "at": str(_local_time(transition.at))}
		return [*history, entry][-HISTORY_LIMIT:]


def _linked_values(snapshot: SessionSnapshot, expected: str | None) -> dict[str, Any]:
	"""Once linked: the number of the phone that scanned, compared with the device's number."""
	if snapshot.state is not SessionState.WORKING or not snapshot.linked_number:
		return {}
	mismatch = not same_number(expected, snapshot.linked_number)
	return {"web_linked_number": snapshot.linked_number, "web_number_mismatch": int(mismatch)}


def _alert_mismatch(snapshot: SessionSnapshot, expected: str) -> None:
	"""A new mismatch is alerted (Notification Log and email to WhatsApp Managers), after the
	state is saved: a failing alert never keeps the session's state from the Device."""
	try:
		alert_linked_number_mismatch(snapshot.device, expected, snapshot.linked_number or "")
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(f"WhatsApp linked-number alert failed for {snapshot.device}")


def _publish(snapshot: SessionSnapshot, qr_image: str) -> None:
	"""Everyone with the Device open sees the state; the QR code goes only to the users who may
	link the device (write permission), each on their own channel."""
	event = snapshot.to_dict()
	frappe.publish_realtime(REALTIME_EVENT, event, doctype=DEVICE, docname=snapshot.device)
	if qr_image:
		for user in qr_viewers(snapshot.device):
			frappe.publish_realtime(REALTIME_EVENT, {**event, "qr_image": qr_image}, user=user)


def qr_viewers(device: str) -> list[str]:
	"""Enabled users with write permission on the device."""
	roles = get_doctype_roles(DEVICE, "write")
	users = {"Administrator", *(user for role in roles for user in get_users_with_role(role))}
	return sorted(user for user in users if frappe.has_permission(DEVICE, "write", device, user=user))


def _session_values(snapshot: SessionSnapshot) -> dict[str, Any]:
	qr_image = (
		f"data:image/png;base64,{base64.b64encode(snapshot.qr_png).decode()}" if snapshot.qr_png else ""
	)
	return {
		"web_state": snapshot.state.value,
		"status": device_status(snapshot.state),
		"web_state_reason": snapshot.reason,
		"web_last_seen": _local_time(snapshot.last_seen) if snapshot.last_seen else None,
		"web_qr_image": qr_image,
		"web_qr_updated": now_datetime() if qr_image else None,
	}


def _local_time(epoch: float) -> datetime:
	"""Epoch seconds as the site's naive local datetime (how Frappe stores Datetime)."""
	return convert_utc_to_system_timezone(datetime.fromtimestamp(epoch, tz=timezone.utc)).replace(tzinfo=None)
