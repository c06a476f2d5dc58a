# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


import frappe
from frappe.model.document import Document

from whatsapp_integration.operations.retention import clear_message_logs
from whatsapp_integration.site.doctypes import MESSAGE_LOG


class WhatsAppMessageLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from whatsapp_integration.whatsapp_integration.doctype.whatsapp_message_status_event.whatsapp_message_status_event import (
			WhatsAppMessageStatusEvent,
		)

		attempts: DF.Int
		callback_data: DF.SmallText | None
		contact: DF.Link | None
		conversation: DF.Link | None
		delivered_at: DF.Datetime | None
		device: DF.Link | None
		direction: DF.Literal["Outbound", "Inbound"]
		error_action: DF.Data | None
		error_code: DF.Int
		error_is_transient: DF.Check
		error_reason: DF.SmallText | None
		error_subcode: DF.Int
		error_title: DF.Data | None
		fbtrace_id: DF.Data | None
		from_number: DF.Data | None
		from_user_id: DF.Data | None
		idempotency_key: DF.Data | None
		location_address: DF.SmallText | None
		location_latitude: DF.Float
		location_longitude: DF.Float
		location_name: DF.Data | None
		media_attempts: DF.Int
		media_caption: DF.SmallText | None
		media_error: DF.SmallText | None
		media_file: DF.Attach | None
		media_file_url: DF.SmallText | None
		media_filename: DF.Data | None
		media_id: DF.Data | None
		media_link: DF.SmallText | None
		media_mime_type: DF.Data | None
		media_next_attempt_at: DF.Datetime | None
		media_sha256: DF.Data | None
		media_size: DF.Int
		media_status: DF.Literal["", "Pending", "Downloaded", "Failed", "Refused"]
		message_type: DF.Data | None
		next_attempt_at: DF.Datetime | None
		party: DF.DynamicLink | None
		party_type: DF.Link | None
		profile_name: DF.Data | None
		reaction_emoji: DF.Data | None
		reaction_to_wamid: DF.Data | None
		read_at: DF.Datetime | None
		received_at: DF.Datetime | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		reply_id: DF.Data | None
		reply_title: DF.Data | None
		reply_to_wamid: DF.Data | None
		rich_content: DF.JSON | None
		requested_by: DF.Link | None
		sent_at: DF.Datetime | None
		shared_contacts: DF.JSON | None
		status: DF.Literal["Queued", "Sent", "Delivered", "Read", "Failed", "Received"]
		status_events: DF.Table[WhatsAppMessageStatusEvent]
		template_language: DF.Data | None
		template_name: DF.Data | None
		template_params: DF.JSON | None
		text: DF.LongText | None
		to_number: DF.Data | None
		wamid: DF.Data | None
	# end: auto-generated types

	@staticmethod
	def clear_old_logs(days: int = 90) -> None:
		"""Called by Log Settings' daily clean-up (see whatsapp_integration/operations/retention.py)."""
		clear_message_logs(days)


def on_doctype_update() -> None:
	"""Analytics filter on a creation range and group by direction, device and status: one
	covering index answers them without reading the rows."""
	frappe.db.add_index(
		MESSAGE_LOG, ["creation", "direction", "device", "status"], "creation_analytics_index"
	)
	# The 24 h window: when a customer last wrote to a device, by number or BSUID (index only).
	frappe.db.add_index(
		MESSAGE_LOG, ["from_number", "device", "direction", "received_at"], "inbound_number_index"
	)
	frappe.db.add_index(
		MESSAGE_LOG, ["from_user_id", "device", "direction", "received_at"], "inbound_bsuid_index"
	)
	# A conversation's thread, newest first, paged.
	frappe.db.add_index(MESSAGE_LOG, ["conversation", "creation"], "conversation_thread_index")
