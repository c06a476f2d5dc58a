# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from whatsapp_integration.site.doctypes import CAMPAIGN_RECIPIENT


class WhatsAppCampaignRecipient(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		campaign: DF.Link
		context: DF.JSON | None
		device: DF.Link | None
		error_code: DF.Int
		last_attempt_at: DF.Datetime | None
		last_error: DF.SmallText | None
		lease_owner: DF.Data | None
		lease_until: DF.Datetime | None
		message_log: DF.Link | None
		next_attempt_at: DF.Datetime | None
		number: DF.Data | None
		recipient_name: DF.Data | None
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		run: DF.Int
		skip_reason: DF.SmallText | None
		state: DF.Literal["Pending", "Sending", "Sent", "Delivered", "Read", "Failed", "Skipped"]
		wamid: DF.Data | None
	# end: auto-generated types

	pass


def on_doctype_update() -> None:
	"""Indexes for the dispatcher's claim (campaign, state, due time) and the auto-pause window."""
	frappe.db.add_index(CAMPAIGN_RECIPIENT, ["campaign", "state", "next_attempt_at"])
	frappe.db.add_index(CAMPAIGN_RECIPIENT, ["campaign", "last_attempt_at"])
	frappe.db.add_index(CAMPAIGN_RECIPIENT, ["lease_owner"])
