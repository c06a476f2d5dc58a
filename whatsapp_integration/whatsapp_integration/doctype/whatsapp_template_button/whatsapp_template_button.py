# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class WhatsAppTemplateButton(Document):
	"""One button of a WhatsApp Template (Meta's rules: core/templates/buttons.py)."""

	pass
