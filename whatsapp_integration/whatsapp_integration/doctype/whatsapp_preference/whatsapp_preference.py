# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


from frappe.model.document import Document


class WhatsAppPreference(Document):
	"""The last stop/start choice applied per number (or BSUID), written by the webhook: an
	older or redelivered choice never undoes a newer one."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		changed_at: DF.Datetime
		choice: DF.Literal["Stop", "Start"]
		number: DF.Data
		source: DF.Data | None
	# end: auto-generated types
