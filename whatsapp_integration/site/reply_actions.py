"""WhatsApp Reply Actions: what a customer's keyword or button reply does, run from the app's own
`whatsapp_message_events` "inbound" handler (other apps register theirs the same way).

The handler is quick: it matches the enabled actions (cached) against the message's text and
button payload (`reply_id`), finds the document the customer replied about (the outbound
message whose wamid the reply quotes carries reference_doctype/name) and enqueues one job that
runs the matching actions: an auto-reply through the outbox, a field set on that document
(saved with its validations), or a whitelisted method called with the message.
"""

from __future__ import annotations

from typing import Any

import frappe
from frappe import _

from whatsapp_integration.core.message import OutboundMessage, Template
from whatsapp_integration.core.notification.replies import (
	InboundReply,
	ReplyRule,
	check_settable_field,
	matching,
)
from whatsapp_integration.core.vocabulary import Direction, MessageType, ReplyActionKind
from whatsapp_integration.site import cache_keys
from whatsapp_integration.site.doctypes import MESSAGE_LOG, REPLY_ACTION, TEMPLATE
from whatsapp_integration.site.notification_rules import fieldnames
from whatsapp_integration.site.services import message_service

ACTIONS_KEY = cache_keys.name("reply_actions", "enabled")
JOB = "whatsapp_integration.site.reply_actions.run_actions"
KEY_PREFIX = "reply-action"


def on_inbound(event: dict[str, Any]) -> None:
	"""`whatsapp_message_events` "inbound" handler."""
	rules = enabled_actions()
	if not rules:
		return
	row = frappe.db.get_value(
		MESSAGE_LOG, event["name"], ["text", "reply_id", "reply_title", "reply_to_wamid"], as_dict=True
	)
	if row is None:
		return
	reference = replied_document(row.reply_to_wamid)
	reply = InboundReply(row.text, row.reply_id, row.reply_title, reference[0] if reference else None)
	found = matching(rules, reply)
	if found:
		frappe.enqueue(
			JOB,
			queue="short",
			job_id=job_id(event["name"]),
			deduplicate=True,
			message_log=event["name"],
			actions=[rule.name for rule in found],
		)


def job_id(message_log: str) -> str:
	return f"whatsapp-reply-actions::{message_log}"


def enabled_actions() -> list[ReplyRule]:
	return frappe.cache.get_value(ACTIONS_KEY, _load_actions)


def _load_actions() -> list[ReplyRule]:
	"""The enabled actions; none while the table does not exist yet (new code before migrate)."""
	if not frappe.db.table_exists(REPLY_ACTION):
		return []
	rows = frappe.get_all(
		REPLY_ACTION,
		filters={"enabled": 1},
		fields=["name", "trigger", "value", "reference_doctype", "priority"],
	)
	return [
		ReplyRule(r.name, r.trigger, r.value, r.reference_doctype or None, int(r.priority or 0)) for r in rows
	]


def clear_actions_cache() -> None:
	frappe.cache.delete_value(ACTIONS_KEY)


def replied_document(context_wamid: str | None) -> tuple[str, str] | None:
	"""(doctype, name) of the document the outbound message `context_wamid` was about."""
	if not context_wamid:
		return None
	row = frappe.db.get_value(
		MESSAGE_LOG,
		{"wamid": context_wamid, "direction": Direction.OUTBOUND},
		["reference_doctype", "reference_name"],
		as_dict=True,
	)
	return (row.reference_doctype, row.reference_name) if row and row.reference_name else None


def run_actions(message_log: str, actions: list[str]) -> None:
	"""The job: run each action for the inbound message; a failing one is logged, the next runs."""
	log = frappe.get_doc(MESSAGE_LOG, message_log)
	reference = replied_document(log.reply_to_wamid)
	for name in actions:
		if not frappe.db.exists(REPLY_ACTION, name):
			continue  # deleted since the message came in
		action = frappe.get_doc(REPLY_ACTION, name)
		frappe.db.savepoint("whatsapp_reply_action")
		try:
			_run(action, log, reference)
		except Exception:
			frappe.db.rollback(save_point="whatsapp_reply_action")
			frappe.log_error(
				title=_("WhatsApp Reply Action {0} failed").format(name),
				reference_doctype=MESSAGE_LOG,
				reference_name=message_log,
			)


def _run(action: Any, log: Any, reference: tuple[str, str] | None) -> None:
	if action.action == ReplyActionKind.AUTO_REPLY:
		message_service().send(_auto_reply(action, log, reference))
	elif action.action == ReplyActionKind.SET_FIELD:
		_set_field(action, reference)
	elif action.action == ReplyActionKind.CALL_METHOD:
		method = frappe.get_attr(action.method)
		if method not in frappe.whitelisted:
			raise frappe.PermissionError(_("{0} is not a whitelisted method.").format(action.method))
		method(message_log=log.name, action=action.name)


def _auto_reply(action: Any, log: Any, reference: tuple[str, str] | None) -> OutboundMessage:
	content: dict[str, Any] = {"message_type": MessageType.TEXT, "text": action.reply_text}
	if action.reply_type == "Template":
		values = frappe.db.get_value(TEMPLATE, action.template, ["template_name", "language"], as_dict=True)
		content = {
			"message_type": MessageType.TEMPLATE,
			"template": Template(values.template_name, values.language),
		}
	return OutboundMessage(
		to=log.from_number,
		device=log.device,
		reference_doctype=reference[0] if reference else None,
		reference_name=reference[1] if reference else None,
		idempotency_key=f"{KEY_PREFIX}:{action.name}:{log.name}",
		**content,
	)


def _set_field(action: Any, reference: tuple[str, str] | None) -> None:
	if reference is None or reference[0] != action.reference_doctype:
		return  # the reply quotes no message about a document of this type
	check_settable_field(action.set_field, fieldnames(reference[0]))
	doc = frappe.get_doc(*reference)
	doc.set(action.set_field, action.set_value)
	doc.flags.ignore_permissions = True
	doc.save()
	doc.add_comment(
		"Info",
		_("WhatsApp reply set {0} to {1} ({2}).").format(action.set_field, action.set_value, action.title),
	)
