# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


from frappe.model.document import Document


class WhatsAppMessageStatusEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		at: DF.Datetime
		error_code: DF.Int
		error_title: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		status: DF.Data
	# end: auto-generated types
	pass
