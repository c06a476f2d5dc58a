# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from whatsapp_integration.site.notification_rules import validate_reply_action
from whatsapp_integration.site.reply_actions import clear_actions_cache


class WhatsAppReplyAction(Document):
	def validate(self) -> None:
		validate_reply_action(self)

	def on_update(self) -> None:
		clear_actions_cache()

	def on_trash(self) -> None:
		clear_actions_cache()
