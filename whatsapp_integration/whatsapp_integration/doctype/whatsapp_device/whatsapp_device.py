# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


import frappe
from frappe import _
from frappe.model.document import Document

from whatsapp_integration.core.phone import normalize
from whatsapp_integration.core.sandbox import sandbox_phone_number_id
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.core.web.states import SessionState, device_status
from whatsapp_integration.site.doctypes import DEVICE
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.settings import get_config


class WhatsAppDevice(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		access_token: DF.Password | None
		daily_cap: DF.Int
		device_name: DF.Data
		enabled: DF.Check
		health_checked_at: DF.Datetime | None
		health_error: DF.SmallText | None
		is_default: DF.Check
		messaging_limit_tier: DF.Data | None
		mode: DF.Literal["Official", "Web", "Sandbox"]
		name_status: DF.Data | None
		number_status: DF.Data | None
		phone_number: DF.Data | None
		phone_number_id: DF.Data | None
		quality_rating: DF.Literal["", "GREEN", "YELLOW", "RED", "UNKNOWN"]
		status: DF.Literal["Active", "Inactive", "Error"]
		waba_id: DF.Data | None
		web_last_seen: DF.Datetime | None
		web_linked_number: DF.Data | None
		web_number_mismatch: DF.Check
		web_profile_path: DF.Data | None
		web_qr_image: DF.LongText | None
		web_qr_updated: DF.Datetime | None
		web_state: DF.Literal["STOPPED", "STARTING", "SCAN_QR_CODE", "WORKING", "FAILED"]
		web_state_history: DF.JSON | None
		web_state_reason: DF.SmallText | None
	# end: auto-generated types

	def validate(self) -> None:
		if self.phone_number:
			with user_errors():
				self.phone_number = normalize(self.phone_number, get_config().default_country)
		if self.mode == DeviceMode.OFFICIAL and not self.phone_number_id:
			frappe.throw(_("Copy the Phone Number ID from the Meta app dashboard (WhatsApp > API Setup)."))
		if self.mode == DeviceMode.WEB:
			self.status = device_status(SessionState(self.web_state or SessionState.STOPPED.value))
		if self.mode == DeviceMode.SANDBOX and not self.phone_number_id:
			# Sandbox statuses and replies name the device by this id, as Meta's webhooks do
			self.phone_number_id = sandbox_phone_number_id(frappe.generate_hash(length=12))

	def on_update(self) -> None:
		if self.is_default:
			self._clear_other_defaults()

	def _clear_other_defaults(self) -> None:
		"""Only one device is the default."""
		others = frappe.get_all(DEVICE, filters={"is_default": 1, "name": ("!=", self.name)}, pluck="name")
		for name in others:
			frappe.db.set_value(DEVICE, name, "is_default", 0)
