// WhatsApp Notification form: field pickers from the chosen DocType, Preview, and the rule's
// activity (counts and recent Message Logs). Every document or customer value is escaped.

const DATA_TYPES_TO_SKIP = ["Section Break", "Column Break", "Tab Break", "HTML", "Button", "Table", "Table MultiSelect", "Fold", "Heading"];
const escape = (value) => frappe.utils.escape_html(value == null ? "" : String(value));

frappe.ui.form.on("WhatsApp Notification", {
	refresh(frm) {
		whatsapp_notification.set_field_options(frm);
		whatsapp_notification.show_activity(frm);
		if (!frm.is_new()) {
			frm.add_custom_button(__("Preview"), () => whatsapp_notification.preview(frm));
		}
	},
	document_type(frm) {
		whatsapp_notification.set_field_options(frm);
	},
});

const whatsapp_notification = {
	set_field_options(frm) {
		if (!frm.doc.document_type) return;
		frappe.model.with_doctype(frm.doc.document_type, () => {
			const fields = frappe.get_meta(frm.doc.document_type).fields.filter(
				(df) => !DATA_TYPES_TO_SKIP.includes(df.fieldtype)
			);
			const options = (list) => [""].concat(list.map((df) => df.fieldname));
			const dates = fields.filter((df) => ["Date", "Datetime"].includes(df.fieldtype));
			const phones = fields.filter((df) => ["Data", "Phone"].includes(df.fieldtype));
			frm.set_df_property("value_changed", "options", options(fields));
			frm.set_df_property("date_field", "options", options(dates));
			frm.fields_dict.recipients.grid.update_docfield_property("field", "options", options(phones));
			frm.fields_dict.parameters.grid.update_docfield_property("field", "options", ["", "name"].concat(options(fields).slice(1)));
		});
	},

	preview(frm) {
		const dialog = new frappe.ui.Dialog({
			title: __("Preview for a document"),
			fields: [
				{ fieldname: "document", fieldtype: "Link", options: frm.doc.document_type, label: __(frm.doc.document_type), reqd: 1 },
				{ fieldname: "result", fieldtype: "HTML" },
			],
			primary_action_label: __("Preview"),
			primary_action({ document }) {
				frappe.call({
					method: "whatsapp_integration.api.notifications.preview",
					args: { rule: frm.doc.name, document },
				}).then(({ message }) => dialog.fields_dict.result.$wrapper.html(whatsapp_notification.preview_html(message)));
			},
		});
		dialog.show();
	},

	preview_html(shown) {
		const rows = [];
		if (!shown.condition) rows.push(`<p class="text-warning">${__("The condition is false for this document: nothing would be sent.")}</p>`);
		rows.push(`<p><b>${__("To")}:</b> ${shown.numbers.map(whatsapp_integration.ltr).join(", ") || __("nobody")}</p>`);
		if (shown.skipped.length) rows.push(`<p class="text-muted">${__("Skipped")}: ${escape(shown.skipped.join("; "))}</p>`);
		if (shown.template) {
			rows.push(`<p><b>${__("Template")}:</b> ${escape(shown.template)} (${escape(shown.language)})</p>`);
			const label = (i) => escape(shown.parameter_names[i] || i + 1);
			const items = shown.parameters.map((value, i) => `<li>{{${label(i)}}} = ${escape(value)}</li>`).join("");
			rows.push(`<ul>${items}</ul>`);
		} else {
			rows.push(`<pre style="white-space: pre-wrap">${escape(shown.text)}</pre>`);
		}
		if (shown.pdf_file_name) rows.push(`<p><b>${__("PDF header")}:</b> ${escape(shown.pdf_file_name)}</p>`);
		return rows.join("");
	},

	show_activity(frm) {
		const wrapper = frm.fields_dict.activity_html.$wrapper;
		if (frm.is_new()) return wrapper.html("");
		frappe.call({
			method: "whatsapp_integration.api.notifications.activity",
			args: { rule: frm.doc.name },
		}).then(({ message }) => wrapper.html(whatsapp_notification.activity_html(message)));
	},

	activity_html({ counts, recent }) {
		const totals = Object.entries(counts).map(([status, count]) => `${escape(__(status))}: <b>${escape(count)}</b>`);
		const rows = recent.map((log) => `<tr>
			<td><a href="/app/whatsapp-message-log/${encodeURIComponent(log.name)}">${escape(log.name)}</a></td>
			<td>${whatsapp_integration.ltr(log.to_number)}</td><td>${escape(__(log.status))}</td>
			<td>${escape(log.reference_doctype)} ${escape(log.reference_name)}</td>
			<td>${escape(frappe.datetime.str_to_user(log.creation))}</td><td>${escape(log.error_reason)}</td></tr>`);
		if (!rows.length) return `<p class="text-muted">${__("No messages yet.")}</p>`;
		return `<p>${totals.join(" · ")}</p>
			<table class="table table-bordered table-sm"><thead><tr><th>${__("Message Log")}</th><th>${__("To")}</th>
			<th>${__("Status")}</th><th>${__("Document")}</th><th>${__("Created")}</th><th>${__("Error")}</th></tr></thead>
			<tbody>${rows.join("")}</tbody></table>`;
	},
};
