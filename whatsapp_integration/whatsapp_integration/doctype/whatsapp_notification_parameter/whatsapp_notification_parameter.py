# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WhatsAppNotificationParameter(Document):
	pass
