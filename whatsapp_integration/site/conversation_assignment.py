"""Assigning conversations through Frappe's assignment (a ToDo) by the Settings rule, and telling
the assignee of new messages (Notification Log). The rule itself: `core.conversation`."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import enqueue_create_notification
from frappe.desk.form.assign_to import add as add_assignment
from frappe.utils import escape_html

from whatsapp_integration.core.conversation import ConversationState, choose_assignee
from whatsapp_integration.site.doctypes import CONVERSATION
from whatsapp_integration.site.roles import SENDERS, USER
from whatsapp_integration.site.settings import get_config

NOT_ASSIGNABLE = ("Administrator", "Guest")


def assign_new(state: ConversationState) -> str | None:
	"""Assign a conversation its customer just wrote in for the first time; returns the assignee."""
	user = choose_assignee(
		get_config().conversation_assignment,
		contact_owner=frappe.db.get_value("Contact", state.contact, "owner") if state.contact else None,
		eligible=users_with_roles(SENDERS),
		rotation=users_with_roles((USER,)),
		last_assigned=_last_assigned(),
	)
	if user:
		add_assignment(
			{
				"assign_to": [user],
				"doctype": CONVERSATION,
				"name": state.name,
				"description": _("WhatsApp conversation with {0}").format(state.title or ""),
			},
			ignore_permissions=True,
		)
	return user


def notify_assignee(state: ConversationState, preview: str) -> None:
	"""A bell notification for the assignee: who wrote, and the start of their message (escaped)."""
	enqueue_create_notification(
		state.assigned_to,
		{
			"type": "Alert",
			"document_type": CONVERSATION,
			"document_name": state.name,
			# the name or number isolated (FSI...PDI: the subject is stored as text): a number reads
			# left to right inside Persian or Arabic text
			"subject": escape_html(
				_("New WhatsApp message from {0}").format(f"\u2068{state.title or ''}\u2069")
			),
			"email_content": escape_html(preview),
		},
	)


def users_with_roles(roles: tuple[str, ...]) -> list[str]:
	"""Enabled people (not Administrator or Guest) with one of `roles`, sorted."""
	user, has_role = frappe.qb.DocType("User"), frappe.qb.DocType("Has Role")
	query = (
		frappe.qb.from_(user)
		.join(has_role)
		.on((has_role.parent == user.name) & (has_role.parenttype == "User"))
		.select(user.name)
		.distinct()
		.where((user.enabled == 1) & has_role.role.isin(list(roles)) & user.name.notin(NOT_ASSIGNABLE))
		.orderby(user.name)
	)
	return query.run(pluck=True)


def _last_assigned() -> str | None:
	"""Who got the conversation assigned most recently (the round robin continues after them)."""
	return frappe.db.get_value(
		"ToDo", {"reference_type": CONVERSATION}, "allocated_to", order_by="creation desc"
	)
