# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WhatsAppTemplate(Document):
	"""A message template as Meta lists it; rows are written by the template sync."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		body: DF.LongText | None
		category: DF.Data | None
		components: DF.JSON | None
		device: DF.Link | None
		language: DF.Data
		meta_id: DF.Data | None
		parameter_count: DF.Int
		status: DF.Data | None
		template_name: DF.Data
	# end: auto-generated types

	pass
