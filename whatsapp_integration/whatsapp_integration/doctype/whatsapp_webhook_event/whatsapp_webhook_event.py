# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt


from frappe.model.document import Document


class WhatsAppWebhookEvent(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attempts: DF.Int
		body: DF.LongText | None
		content_length: DF.Int
		error: DF.SmallText | None
		next_attempt_at: DF.Datetime | None
		processed_at: DF.Datetime | None
		received_at: DF.Datetime | None
		result: DF.SmallText | None
		state: DF.Literal["Queued", "Processing", "Processed", "Failed"]
	# end: auto-generated types
	pass
