# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


from frappe.model.document import Document

from whatsapp_integration.core.phone import normalize
from whatsapp_integration.site.errors import user_errors
from whatsapp_integration.site.settings import get_config


class WhatsAppOptOut(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		number: DF.Data
		reason: DF.SmallText | None
		source: DF.Literal["Manual", "Keyword", "Meta", "Import"]
	# end: auto-generated types

	def before_naming(self) -> None:
		"""Numbers are stored in E.164, so a number typed any way matches the same opt-out."""
		with user_errors():
			self.number = normalize(self.number, get_config().default_country)
