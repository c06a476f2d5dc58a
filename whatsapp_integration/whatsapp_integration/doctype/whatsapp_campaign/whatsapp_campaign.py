# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import escape_html

from whatsapp_integration.repositories.campaigns import campaign_from
from whatsapp_integration.site.campaigns import campaign_service
from whatsapp_integration.site.doctypes import CAMPAIGN_RECIPIENT
from whatsapp_integration.site.errors import user_errors

ACTION_FIELDS = ("status", "run")


class WhatsAppCampaign(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from whatsapp_integration.whatsapp_integration.doctype.whatsapp_campaign_device.whatsapp_campaign_device import (
			WhatsAppCampaignDevice,
		)

		auto_pause_failure_rate: DF.Float
		campaign_name: DF.Data
		device: DF.Link | None
		devices: DF.TableMultiSelect[WhatsAppCampaignDevice]
		media_file: DF.Attach | None
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
		template_header_file: DF.Attach | None
		template_parameters: DF.SmallText | None
		throughput_cap: DF.Float
	# end: auto-generated types

	def validate(self) -> None:
		"""Schedule, message and template parameters are checked on save, not at send time."""
		self._keep_status_to_actions()
		self._check_devices()
		with user_errors():
			campaign_service().validate(campaign_from(self.as_dict()))

	def _keep_status_to_actions(self) -> None:
		"""Status and run change only through the campaign's actions (the service writes them
		directly); a save, over REST or not, never moves them. A new campaign starts Draft."""
		if self.is_new():
			self.update({"status": "Draft", "status_reason": None, "run": 0, "next_run_at": None})
			return
		changed = [self.meta.get_label(field) for field in ACTION_FIELDS if self.has_value_changed(field)]
		if changed:
			frappe.throw(
				_(
					"{0} of a campaign changes only through its actions (Start, Pause, Resume, Cancel)."
				).format(", ".join(_(label) for label in changed))
			)

	def _check_devices(self) -> None:
		"""Each of several devices once; the first is also the campaign's device (lists, filters)."""
		names = [row.device for row in self.devices]
		repeated = sorted({name for name in names if names.count(name) > 1})
		if repeated:
			frappe.throw(
				_("List each device once under Devices: {0}").format(escape_html(", ".join(repeated)))
			)
		if names and not self.device:
			self.device = names[0]

	def onload(self) -> None:
		if not self.is_new():
			self.set_onload("progress", campaign_service().progress(self.name))

	def on_trash(self) -> None:
		frappe.db.delete(CAMPAIGN_RECIPIENT, {"campaign": self.name})
