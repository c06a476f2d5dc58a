// "Send WhatsApp" on the forms of the DocTypes listed in WhatsApp Integration Settings
// (Send From DocTypes). The list comes from frappe.boot.whatsapp (see whatsapp_integration/site/desk.py).

import "./whatsapp_rich_send.js";

frappe.provide("whatsapp_integration");

// Where ERPNext keeps a number on Customer, Contact, Lead, Supplier, Sales Invoice, Sales Order...
whatsapp_integration.PHONE_FIELDS = [
	"whatsapp_no",
	"mobile_no",
	"contact_mobile",
	"mobile",
	"cell_number",
	"phone",
	"phone_no",
	"contact_phone",
];

// Customer text (inbound messages, captions, names, contact cards, CSV and document values,
// error reasons) is stored as sent and shown as text, never as HTML. Frappe's Data, Text, Small
// Text and Long Text formatters return the value unescaped; every such field of our DocTypes (and
// of their child tables) gets a formatter that escapes it. Called from each DocType's _list.js,
// which Frappe runs each time it loads the DocType's meta (for its list and its form alike).
whatsapp_integration.TEXT_FIELDTYPES = ["Data", "Small Text", "Text", "Long Text", "JSON"];

// A form shows a read-only Data field escaped already (ControlData.set_disp_area, the one caller
// passing {no_icon, inline}): escaping again would show "&lt;".
const escaped_already = (df, options) =>
	Boolean(df && df.fieldtype === "Data" && options && options.no_icon && options.inline);

whatsapp_integration.as_text = (value, df, options) => {
	if (escaped_already(df, options)) {
		return value == null ? "" : value;
	}
	// Frappe's Text formatter may already have turned newlines into <br>: those stay line breaks.
	return frappe.utils
		.escape_html(value == null ? "" : String(value))
		.replace(/&lt;br&gt;/g, "<br>")
		.replace(/\n/g, "<br>");
};

// Phone numbers, wamids, Meta's ids and codes read left to right also inside Persian or Arabic
// text: "+31 6 1234 5678" would otherwise show its groups in reverse order. Escaped first; only the
// isolating wrapper is markup.
whatsapp_integration.LTR_FIELDS = [
	"number",
	"contact_number",
	"phone_number",
	"phone_number_id",
	"waba_id",
	"web_linked_number",
	"to_number",
	"from_number",
	"from_user_id",
	"bsuid",
	"wamid",
	"reply_to_wamid",
	"reaction_to_wamid",
	"media_id",
	"fbtrace_id",
	"meta_id",
	"messaging_limit_tier",
];

const isolate_ltr = (escaped) => `<bdi dir="ltr" class="whatsapp-ltr">${escaped}</bdi>`;

whatsapp_integration.ltr = (value) =>
	value == null || value === "" ? "" : isolate_ltr(frappe.utils.escape_html(String(value)));

whatsapp_integration.as_ltr_text = (value, df, options) => {
	if (value == null || value === "") return "";
	return escaped_already(df, options) ? isolate_ltr(value) : whatsapp_integration.ltr(value);
};

// Numbers in the app's own translated help ("e.g. +91 98765 43210", a prefix "+49176*") isolated
// the same way. Trusted text only: customer text goes through ltr() or as_text().
const NUMBER_IN_HELP = /\+\d[\d ]*\d\*?/g;

whatsapp_integration.ltr_numbers = (html) =>
	html.includes("whatsapp-ltr") ? html : html.replace(NUMBER_IN_HELP, isolate_ltr);

// A field's description is translated when shown: in a right-to-left desk it is translated here
// once, with its numbers isolated (the result has no translation of its own, so it shows as is).
const isolate_description = (df) => {
	if (df.description && frappe.utils.is_rtl()) {
		df.description = whatsapp_integration.ltr_numbers(__(df.description));
	}
};

// The input of a number: typed and shown left to right, aligned with the labels of a right-to-left desk.
whatsapp_integration.ltr_input_css = () =>
	frappe.utils.is_rtl() ? { direction: "ltr", "text-align": "right" } : undefined;

// Text typed into the app's fields runs in the direction of its own words, line by line: an English
// reply in a Persian desk (or a Persian one in an English desk) keeps its punctuation in place.
whatsapp_integration.TEXT_INPUT_CSS = { "unicode-bidi": "plaintext" };

whatsapp_integration.is_ltr_field = (df) =>
	df.fieldtype === "Data" &&
	(df.options === "Phone" || whatsapp_integration.LTR_FIELDS.includes(df.fieldname));

whatsapp_integration.show_as_text = (doctype) => {
	for (const df of frappe.meta.docfield_list[doctype] || []) {
		isolate_description(df);
		if (df.fieldtype === "Table") {
			whatsapp_integration.show_as_text(df.options);
		} else if (whatsapp_integration.is_ltr_field(df)) {
			df.formatter = whatsapp_integration.as_ltr_text;
			df.input_css = whatsapp_integration.ltr_input_css();
		} else if (whatsapp_integration.TEXT_FIELDTYPES.includes(df.fieldtype)) {
			df.formatter = whatsapp_integration.as_text;
			df.input_css = whatsapp_integration.TEXT_INPUT_CSS;
		}
	}
};

whatsapp_integration.number_of = (doc) => {
	const field = whatsapp_integration.PHONE_FIELDS.find((fieldname) => doc[fieldname]);
	return field ? doc[field] : "";
};

whatsapp_integration.dialog_fields = (frm) => {
	const fields = [
		{
			fieldname: "to",
			label: __("To"),
			fieldtype: "Data",
			options: "Phone",
			reqd: 1,
			input_css: whatsapp_integration.ltr_input_css(),
			default: whatsapp_integration.number_of(frm.doc),
			description: whatsapp_integration.ltr_numbers(__("With country code, e.g. +91 98765 43210")),
		},
		{ fieldname: "device", label: __("Device"), fieldtype: "Link", options: "WhatsApp Device" },
		{
			fieldname: "kind",
			label: __("Send"),
			fieldtype: "Select",
			options: whatsapp_integration.rich.SEND_KINDS,
			default: "Text",
		},
	];
	fields.push(
		{
			fieldname: "text",
			label: __("Message"),
			fieldtype: "Small Text",
			input_css: whatsapp_integration.TEXT_INPUT_CSS,
			depends_on: "eval:doc.kind !== 'Template'",
			mandatory_depends_on: "eval:!['Template', 'Media'].includes(doc.kind)",
			description: __("The caption of a file; the text above buttons, a list or a link button"),
		},
		{
			fieldname: "template",
			label: __("Template"),
			fieldtype: "Link",
			options: "WhatsApp Template",
			depends_on: "eval:doc.kind === 'Template'",
			mandatory_depends_on: "eval:doc.kind === 'Template'",
			async onchange() {
				if (!this.value) return;
				const template = await frappe.db.get_doc("WhatsApp Template", this.value);
				const info = whatsapp_integration.rich.template_info(template);
				whatsapp_integration.rich.show_template(this.layout, info);
			},
		},
		{
			fieldname: "parameters",
			label: __("Template Parameters"),
			fieldtype: "Small Text",
			depends_on: "eval:doc.kind === 'Template'",
			description: __("One value per line: the first fills {{1}}, the second {{2}}, ..."),
		},
		...whatsapp_integration.rich.fields(frm)
	);
	return fields;
};

whatsapp_integration.send_dialog = (frm) => {
	// One key per dialog: a double click or a retried request never sends twice.
	const idempotency_key = `${frm.doctype}:${frm.docname}:${frappe.utils.get_random(12)}`;
	const dialog = new frappe.ui.Dialog({
		title: __("Send WhatsApp"),
		fields: whatsapp_integration.dialog_fields(frm),
		primary_action_label: __("Send"),
		primary_action: (values) => whatsapp_integration.send(frm, dialog, values, idempotency_key),
	});
	dialog.show();
	return dialog;
};

whatsapp_integration.send = async (frm, dialog, values, idempotency_key) => {
	const common = {
		to: values.to,
		device: values.device || null,
		reference_doctype: frm.doctype,
		reference_name: frm.docname,
		idempotency_key,
	};
	let method = "whatsapp_integration.api.messages.send";
	let args = { ...common, text: values.text };
	if (values.kind === "Template") {
		const template = await frappe.db.get_doc("WhatsApp Template", values.template);
		method = "whatsapp_integration.api.messages.send_template";
		args = {
			...common,
			template: template.template_name || template.name,
			language: template.language || template.language_code || "en_US",
			...whatsapp_integration.rich.template_args(values, whatsapp_integration.rich.template_info(template)),
		};
	} else if (values.kind !== "Text") {
		const request = whatsapp_integration.rich.request(values);
		method = request.method;
		args = { ...common, ...request.args };
	}
	dialog.disable_primary_action();
	try {
		const { message } = await frappe.call({ method, args, freeze: true });
		const failed = message.status === "Failed";
		frappe.show_alert({
			message: failed
				? frappe.utils.escape_html(message.error)
				: __("WhatsApp message {0}", [__(message.status)]),
			indicator: failed ? "red" : "green",
		});
		dialog.hide();
		frm.reload_doc();
	} finally {
		dialog.enable_primary_action();
	}
};

(() => {
	const info = frappe.boot && frappe.boot.whatsapp;
	if (!info) return;
	for (const doctype of info.send_from_doctypes || []) {
		frappe.ui.form.on(doctype, {
			refresh(frm) {
				if (frm.is_new()) return;
				frm.add_custom_button(__("Send WhatsApp"), () => whatsapp_integration.send_dialog(frm));
			},
		});
	}
})();
