"""What the `bench --site S whatsapp ...` commands do (commands.py holds only their options):
`doctor`, `send` through the outbox, `link` a Web device with its QR in the terminal, `status`.
Each returns the process exit code."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import click
import frappe
from frappe import _
from frappe.utils import now_datetime

from whatsapp_integration.core.errors import WhatsAppError
from whatsapp_integration.core.message import OutboundMessage, Template
from whatsapp_integration.core.operations.doctor import FAILURE, OK, WARNING, exit_code
from whatsapp_integration.core.vocabulary import DeviceMode, Direction, MessageStatus, MessageType
from whatsapp_integration.operations.doctor import FrappeDoctorReaders, run_doctor
from whatsapp_integration.repositories import analytics
from whatsapp_integration.session_host.qr_terminal import LinkView, watch_link
from whatsapp_integration.site.doctypes import DEVICE, MESSAGE_LOG
from whatsapp_integration.site.errors import message_of, translated
from whatsapp_integration.site.services import message_service
from whatsapp_integration.site.web import qr_service

_COLOURS = {OK: "green", WARNING: "yellow", FAILURE: "red"}
LINK_TIMEOUT_SECONDS = 300.0


def doctor(as_json: bool) -> int:
	findings = run_doctor()
	if as_json:
		click.echo(
			json.dumps({"findings": [f.to_dict() for f in findings], "exit_code": exit_code(findings)})
		)
		return exit_code(findings)
	width = max((len(finding.check) for finding in findings), default=10)
	for finding in findings:
		label = click.style(f"{finding.status:<8}", fg=_COLOURS[finding.status], bold=True)
		click.echo(f"{label} {finding.check:<{width}}  {translated(finding.detail)}")
		if finding.fix:
			click.echo(f"{'':<8} {'':<{width}}  {_('fix')}: {translated(finding.fix)}")
	return exit_code(findings)


def send(
	to: str,
	text: str | None,
	device: str | None,
	template: str | None,
	language: str,
	parameters: tuple[str, ...],
) -> int:
	"""Through the outbox, as Administrator: logged, paced, retried like any send."""
	if bool(text) == bool(template):
		click.echo(_("Give either --text or --template."), err=True)
		return 2
	message = OutboundMessage(
		to=to,
		message_type=MessageType.TEMPLATE if template else MessageType.TEXT,
		text=text,
		template=Template(template, language, parameters) if template else None,
		device=device,
		requested_by=frappe.session.user,
	)
	try:
		record = message_service().send(message)
	except WhatsAppError as error:
		frappe.db.rollback()
		click.echo(_("Refused: {0}").format(message_of(error)), err=True)
		return 1
	frappe.db.commit()
	click.echo(f"{record.name}  {record.status}  {record.wamid or ''}".rstrip())
	if record.error_reason:
		click.echo(record.error_reason, err=True)
	return 1 if record.status == MessageStatus.FAILED else 0


def link(device: str, timeout: float = LINK_TIMEOUT_SECONDS) -> int:
	"""Ask the session host to link the Web device, draw each QR it shows, wait for WORKING."""
	try:
		qr_service().start_session(device)
	except WhatsAppError as error:
		click.echo(_("Cannot link {0}: {1}").format(device, message_of(error)), err=True)
		return 1
	frappe.db.commit()
	click.echo(_("Scan the code with WhatsApp on the phone: Linked devices > Link a device."))

	def draw(blocks: str) -> None:
		click.clear()
		click.echo(blocks)
		click.echo(
			_("Waiting for {0} to be linked (the code changes when WhatsApp rotates it)...").format(device)
		)

	last = watch_link(lambda: _link_view(device), draw, timeout=timeout)
	message = _("{0} is {1}.").format(device, last.state) + (f" {last.reason}" if last.reason else "")
	click.echo(message)
	return 0 if last.state == "WORKING" else 1


def _link_view(device: str) -> LinkView:
	frappe.db.rollback()  # a new snapshot: the host writes the device from another process
	row = frappe.db.get_value(DEVICE, device, ["web_state", "web_qr_image", "web_state_reason"], as_dict=True)
	return LinkView(row.web_state or "STOPPED", row.web_qr_image or None, row.web_state_reason)


def status(as_json: bool) -> int:
	figures = status_figures()
	if as_json:
		click.echo(json.dumps(figures, default=str))
		return 0
	click.echo(click.style(_("Devices"), bold=True))
	for row in figures["devices"]:
		state = row["web_state"] if row["mode"] == DeviceMode.WEB else row["status"]
		enabled = "" if row["enabled"] else f" ({_('disabled')})"
		click.echo(
			f"  {row['name']:<24} {row['mode']:<8} {state or '':<14} {row.get('quality_rating') or ''}{enabled}"
		)
	age = figures["session_host_heartbeat_age"]
	host = _("not running") if age is None else _("heartbeat {0:.0f} s ago").format(age)
	click.echo(f"  {_('session host')}: {host}")
	click.echo(click.style(_("Queues"), bold=True))
	for name, value in figures["queues"].items():
		click.echo(f"  {name:<24} {value}")
	click.echo(click.style(_("Last hour (outbound by status)"), bold=True))
	for name, value in sorted(figures["last_hour"].items()):
		click.echo(f"  {name:<24} {value}")
	click.echo(f"  {_('received'):<24} {figures['received_last_hour']}")
	return 0


def status_figures() -> dict[str, Any]:
	fields = ["name", "mode", "enabled", "status", "web_state"]
	if frappe.get_meta(DEVICE).has_field("quality_rating"):
		fields.append("quality_rating")
	since = now_datetime() - timedelta(hours=1)
	last_hour: dict[str, int] = {}
	for (_device, state), count in analytics.outbound_status_counts_since(since).items():
		last_hour[state] = last_hour.get(state, 0) + count
	readers = FrappeDoctorReaders()
	backlog = readers.inbox_backlog()
	return {
		"devices": frappe.get_all(DEVICE, fields=fields, order_by="name"),
		"session_host_heartbeat_age": readers.heartbeat_age(),
		"queues": {
			"outbox_queued": sum(analytics.queue_depth().values()),
			"webhook_inbox_queued": backlog.queued,
			"webhook_inbox_failed": backlog.failed,
			**_rq_queues(),
		},
		"last_hour": last_hour,
		"received_last_hour": frappe.db.count(
			MESSAGE_LOG, {"direction": Direction.INBOUND, "creation": (">=", since)}
		),
	}


def _rq_queues() -> dict[str, int]:
	"""Jobs waiting in each of the bench's RQ queues (all sites share them)."""
	from frappe.utils.background_jobs import get_queue, get_queue_list

	return {f"rq_{name}": get_queue(name).count for name in get_queue_list()}
