# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from whatsapp_integration.site.notification_rules import validate_rule
from whatsapp_integration.site.notifications import after_rule_change, clear_rules_cache


class WhatsAppNotification(Document):
	def validate(self) -> None:
		validate_rule(self)

	def on_update(self) -> None:
		after_rule_change(self)

	def on_trash(self) -> None:
		clear_rules_cache()
