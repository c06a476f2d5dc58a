# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from whatsapp_integration.campaign_runtime import campaign_service
from whatsapp_integration.errors import user_errors
from whatsapp_integration.repositories.campaigns import RECIPIENT, campaign_from


class WhatsAppCampaign(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		auto_pause_failure_rate: DF.Float
		campaign_name: DF.Data
		device: DF.Link
		media_link: DF.Data | None
		message: DF.LongText | None
		message_type: DF.Literal["text", "template", "image", "document", "video"]
		next_run_at: DF.Datetime | None
		recurrence: DF.Literal["None", "Daily", "Weekly", "Monthly"]
		repeat_until: DF.Date | None
		run: DF.Int
		scheduled_start: DF.Datetime | None
		status: DF.Literal["Draft", "Scheduled", "Running", "Paused", "Completed", "Cancelled", "Failed"]
		status_reason: DF.SmallText | None
		template: DF.Link | None
		template_parameters: DF.SmallText | None
		throughput_cap: DF.Float
	# end: auto-generated types

	def validate(self) -> None:
		"""Schedule, message and template parameters are checked on save, not at send time."""
		with user_errors():
			campaign_service().validate(campaign_from(self.as_dict()))

	def onload(self) -> None:
		if not self.is_new():
			self.set_onload("progress", campaign_service().progress(self.name))

	def on_trash(self) -> None:
		frappe.db.delete(RECIPIENT, {"campaign": self.name})
