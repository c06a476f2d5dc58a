# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

"""A customer's conversation with one business number. Written only by
`repositories/conversations.py` (with every message); people resolve and reopen it through
`services/conversations.py`. Who may see it: `site/conversation_access.py`."""

import frappe
from frappe.model.document import Document

from whatsapp_integration.site.doctypes import CONVERSATION


class WhatsAppConversation(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assigned_to: DF.Link | None
		bsuid: DF.Data | None
		contact: DF.Link | None
		contact_number: DF.Data | None
		conversation_key: DF.Data | None
		device: DF.Link
		last_direction: DF.Literal["", "Inbound", "Outbound"]
		last_inbound_at: DF.Datetime | None
		last_message_at: DF.Datetime | None
		last_message_preview: DF.SmallText | None
		party_doctype: DF.Link | None
		party_name: DF.DynamicLink | None
		status: DF.Literal["Open", "Resolved"]
		title: DF.Data | None
		unread_count: DF.Int
	# end: auto-generated types


def on_doctype_update() -> None:
	"""The chat list pages by last message, filtered by status, assignee or device."""
	frappe.db.add_index(CONVERSATION, ["last_message_at"], "last_message_index")
	frappe.db.add_index(CONVERSATION, ["status", "last_message_at"], "status_last_message_index")
	frappe.db.add_index(CONVERSATION, ["assigned_to", "last_message_at"], "assignee_last_message_index")
	frappe.db.add_index(CONVERSATION, ["device", "last_message_at"], "device_last_message_index")
