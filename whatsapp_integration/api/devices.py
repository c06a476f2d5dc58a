"""Whitelisted endpoints for WhatsApp Web devices: link, stop, log out, status, test send.

Each one checks permission on the device and hands over to the QR service, which sends the
command to the session host; the Device form gets the QR and states by realtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import frappe
from frappe import _
from frappe.utils import escape_html

from whatsapp_integration.core.message import OutboundMessage
from whatsapp_integration.services.qr_service import QrService
from whatsapp_integration.site.doctypes import DEVICE
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.services import charge_user, message_service
from whatsapp_integration.site.settings import get_config
from whatsapp_integration.site.web import qr_service


@frappe.whitelist(methods=["POST"])
def start_session(device: str) -> dict[str, Any]:
	"""Link the device: the host opens WhatsApp Web and the form shows the QR code."""
	return _session(device, "write", QrService.start_session, limited=True)


@frappe.whitelist(methods=["POST"])
def relink(device: str) -> dict[str, Any]:
	"""Forget the device's login and show a new QR code."""
	return _session(device, "write", QrService.relink, limited=True)


@frappe.whitelist(methods=["POST"])
def stop_session(device: str) -> dict[str, Any]:
	return _session(device, "write", QrService.stop_session)


@frappe.whitelist(methods=["POST"])
def logout(device: str) -> dict[str, Any]:
	"""Close the session and wipe its browser profile: the next link needs a scan."""
	return _session(device, "write", QrService.logout)


@frappe.whitelist()
def session_status(device: str) -> dict[str, Any]:
	"""The live session; its QR code only for users who may link the device (write permission):
	whoever scans it first links their own phone."""
	status = _session(device, "read", QrService.session_status)
	if not frappe.has_permission(DEVICE, "write", device):
		status.pop("qr_png_base64", None)
	return status


@frappe.whitelist()
def selector_canary(device: str) -> dict[str, Any]:
	"""Check the WhatsApp Web selectors against the page the device's browser shows now."""
	return _session(device, "write", QrService.canary)


@frappe.whitelist(methods=["POST"])
def send_test(device: str, to: str, text: str | None = None) -> dict[str, Any]:
	"""Send one text through the device, logged like any message (Message Log)."""
	_check(device, "write")
	message = OutboundMessage(
		to=to,
		text=text or _("Test message from {0}: this WhatsApp device works.").format(frappe.local.site),
		device=device,
		requested_by=frappe.session.user,
	)
	with user_errors():
		record = message_service().send(message)
	return {
		"message_log": record.name,
		"status": record.status,
		"wamid": record.wamid,
		"error": record.error_reason,
	}


def _session(
	device: str,
	permission: str,
	action: Callable[[QrService, str], dict[str, Any]],
	limited: bool = False,
) -> dict[str, Any]:
	"""`limited`: the action starts a browser, so it counts against the user's device links."""
	_check(device, permission)
	with user_errors():
		if limited:
			charge_user("device links", get_config().user_link_limit_per_minute)
		return action(qr_service(), device)


def _check(device: str, permission: str) -> None:
	if not frappe.db.exists(DEVICE, device):
		frappe.throw(
			_("WhatsApp Device {0} does not exist.").format(escape_html(device)), frappe.DoesNotExistError
		)
	frappe.has_permission(DEVICE, permission, device, throw=True)
