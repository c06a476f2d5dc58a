# Copyright (c) 2026, whatsapp_integration developers and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.utils import escape_html

from whatsapp_integration.core.templates.components import variables_in
from whatsapp_integration.core.templates.status import DRAFT


class WhatsAppTemplate(Document):
	"""A message template: authored here and submitted to Meta (Submit to Meta), or written by
	the daily sync; Meta's status, quality and category follow its webhooks."""

	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from whatsapp_integration.whatsapp_integration.doctype.whatsapp_template_button.whatsapp_template_button import (
			WhatsAppTemplateButton,
		)

		add_security_recommendation: DF.Check
		body: DF.LongText | None
		body_examples: DF.SmallText | None
		buttons: DF.Table[WhatsAppTemplateButton]
		category: DF.Literal["", "MARKETING", "UTILITY", "AUTHENTICATION"]
		category_change: DF.SmallText | None
		code_expiration_minutes: DF.Int
		components: DF.JSON | None
		device: DF.Link | None
		footer: DF.Data | None
		header_example: DF.Data | None
		header_format: DF.Literal["", "TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"]
		header_handle: DF.Data | None
		header_sample: DF.Attach | None
		header_text: DF.Data | None
		language: DF.Data
		meta_id: DF.Data | None
		parameter_count: DF.Int
		parameter_format: DF.Literal["POSITIONAL", "NAMED"]
		preview: DF.HTML | None
		quality_rating: DF.Data | None
		status: DF.Data | None
		status_reason: DF.SmallText | None
		template_name: DF.Data
	# end: auto-generated types

	def validate(self) -> None:
		"""Meta's rules on every save of an authored template (not on what Meta itself sent)."""
		self.status = self.status or DRAFT
		self.parameter_count = len(variables_in(self.body or ""))
		if self.flags.from_meta:
			return
		from whatsapp_integration.site.errors import translated
		from whatsapp_integration.site.templates import problems

		found = problems(self.as_dict())
		if found:
			frappe.throw(
				"<br>".join(escape_html(translated(problem)) for problem in found),
				title=frappe._("Meta would refuse this template"),
			)
