// Rich content in the Send WhatsApp dialog: media from a File (the document's attachments or a new
// upload), a template's header, named parameters and button values, reply buttons, a list and a
// link button. The server checks everything again (api/messages.py); file names shown here are
// escaped (Select options are HTML).

frappe.provide("whatsapp_integration.rich");

const rich = whatsapp_integration.rich;
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const KIND_BY_EXTENSION = {
	pdf: "document",
	txt: "document",
	doc: "document",
	docx: "document",
	xls: "document",
	xlsx: "document",
	ppt: "document",
	pptx: "document",
	jpg: "image",
	jpeg: "image",
	png: "image",
	mp4: "video",
	"3gp": "video",
	mp3: "audio",
	aac: "audio",
	amr: "audio",
	m4a: "audio",
	ogg: "audio",
	webp: "sticker",
};

rich.MEDIA_KINDS = ["image", "document", "video", "audio", "sticker"];
rich.SEND_KINDS = ["Text", "Template", "Media", "Buttons", "List", "Link Button"];

rich.kind_of = (file_url) => {
	const extension = (file_url || "").split("?")[0].split(".").pop().toLowerCase();
	return KIND_BY_EXTENSION[extension] || "document";
};

rich.attachment_options = (frm) => {
	const attachments = (frm.get_docinfo && frm.get_docinfo().attachments) || [];
	return [{ label: "", value: "" }].concat(
		attachments.map((file) => ({
			label: frappe.utils.escape_html(file.file_name || file.file_url),
			value: file.file_url,
		}))
	);
};

const shown_for = (...kinds) => `eval:${JSON.stringify(kinds)}.includes(doc.kind)`;

rich.fields = (frm) => [
	{
		fieldname: "media_file",
		label: __("Attachment"),
		fieldtype: "Select",
		options: rich.attachment_options(frm),
		depends_on: shown_for("Media"),
		description: __("A file attached to this document"),
		onchange() {
			const dialog = this.layout;
			if (this.value) dialog.set_value("media_kind", rich.kind_of(this.value));
		},
	},
	{
		fieldname: "media_upload",
		label: __("Or Upload a File"),
		fieldtype: "Attach",
		depends_on: shown_for("Media"),
		onchange() {
			if (this.value) this.layout.set_value("media_kind", rich.kind_of(this.value));
		},
	},
	{
		fieldname: "media_kind",
		label: __("Send As"),
		fieldtype: "Select",
		options: rich.MEDIA_KINDS,
		default: "document",
		depends_on: shown_for("Media"),
		description: __(
			"Image: JPEG/PNG up to 5 MB; document: PDF, Office, TXT up to 100 MB; video MP4 up to 16 MB"
		),
	},
	{
		fieldname: "header_file",
		label: __("Header File"),
		fieldtype: "Select",
		options: rich.attachment_options(frm),
		hidden: 1,
		description: __("The template's header shows this file (an attachment of this document)"),
	},
	{ fieldname: "header_upload", label: __("Or Upload a Header File"), fieldtype: "Attach", hidden: 1 },
	{ fieldname: "header_text", label: __("Header Value"), fieldtype: "Data", hidden: 1 },
	{
		fieldname: "button_values",
		label: __("Button Values"),
		fieldtype: "Small Text",
		hidden: 1,
	},
	{
		fieldname: "reply_buttons",
		label: __("Buttons"),
		fieldtype: "Small Text",
		depends_on: shown_for("Buttons"),
		mandatory_depends_on: shown_for("Buttons"),
		description: __("One button title per line: up to 3, each up to 20 characters"),
	},
	{
		fieldname: "list_button",
		label: __("Menu Button"),
		fieldtype: "Data",
		depends_on: shown_for("List"),
		mandatory_depends_on: shown_for("List"),
		description: __("The label of the button that opens the list (up to 20 characters)"),
	},
	{
		fieldname: "list_rows",
		label: __("Rows"),
		fieldtype: "Small Text",
		depends_on: shown_for("List"),
		mandatory_depends_on: shown_for("List"),
		description: __("One row per line: Title | Description (up to 10 rows, titles up to 24 characters)"),
	},
	{
		fieldname: "cta_text",
		label: __("Button Text"),
		fieldtype: "Data",
		depends_on: shown_for("Link Button"),
		mandatory_depends_on: shown_for("Link Button"),
	},
	{
		fieldname: "cta_url",
		label: __("Button URL"),
		fieldtype: "Data",
		options: "URL",
		depends_on: shown_for("Link Button"),
		mandatory_depends_on: shown_for("Link Button"),
	},
];

const variables_in = (text) => [...new Set([...(text || "").matchAll(VARIABLE)].map((m) => m[1]))];

// What a send of `template` must fill, from its components as Meta stores them (null: the
// template has none stored yet, so nothing is known beyond the numbered body parameters).
rich.template_info = (template) => {
	let components = template.components || [];
	if (typeof components === "string") components = JSON.parse(components || "[]");
	if (!Array.isArray(components) || !components.length) return null;
	const typed = (type) => components.find((c) => String(c.type).toUpperCase() === type) || {};
	const header = typed("HEADER");
	const format = String(header.format || "").toUpperCase();
	const body = variables_in(typed("BODY").text);
	const slots = (typed("BUTTONS").buttons || [])
		.map((button, index) => ({ index, type: String(button.type).toUpperCase(), url: button.url }))
		.filter((slot) => slot.type === "COPY_CODE" || (slot.type === "URL" && variables_in(slot.url).length));
	return {
		header_media: ["IMAGE", "VIDEO", "DOCUMENT"].includes(format) ? format.toLowerCase() : null,
		header_variable: format === "TEXT" && variables_in(header.text).length > 0,
		body,
		named: body.some((name) => !/^\d+$/.test(name)),
		slots,
	};
};

// Show the template's header and button fields and say which values the parameters fill. The
// descriptions change in place: refreshing a field would drop what the user typed meanwhile.
rich.show_template = (dialog, info) => {
	dialog.set_df_property("header_file", "hidden", info && info.header_media ? 0 : 1);
	dialog.set_df_property("header_upload", "hidden", info && info.header_media ? 0 : 1);
	dialog.set_df_property("header_text", "hidden", info && info.header_variable ? 0 : 1);
	dialog.set_df_property("button_values", "hidden", info && info.slots.length ? 0 : 1);
	if (!info) return;
	const names = info.body.map((name) => `{{${name}}}`).join(", ");
	dialog.fields_dict.parameters.set_description(
		info.body.length
			? __("One value per line, in this order: {0}", [frappe.utils.escape_html(names)])
			: __("This template has no body variables")
	);
	const buttons = info.slots.map((slot) =>
		slot.type === "URL"
			? __("button {0}: URL ending", [slot.index + 1])
			: __("button {0}: coupon code", [slot.index + 1])
	);
	dialog.fields_dict.button_values.set_description(__("One value per line: {0}", [buttons.join(", ")]));
};

const lines = (text) => (text || "").split("\n").map((line) => line.trim()).filter(Boolean);
const slug = (text, position) => `${position}-${text.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 200);

rich.template_args = (values, info) => {
	const given = lines(values.parameters);
	const args = {
		parameters: JSON.stringify(
			info && info.named ? Object.fromEntries(info.body.map((name, i) => [name, given[i] || ""])) : given
		),
	};
	const header_file = values.header_upload || values.header_file;
	if (info && info.header_media && header_file) {
		args.header = JSON.stringify({ type: info.header_media, file_url: header_file });
	} else if (info && info.header_variable) {
		args.header = JSON.stringify({ text: values.header_text || "" });
	}
	if (info && info.slots.length) {
		const button_values = lines(values.button_values);
		args.buttons = JSON.stringify(
			info.slots.map((slot, i) => ({
				index: slot.index,
				sub_type: slot.type === "URL" ? "url" : "copy_code",
				value: button_values[i] || "",
			}))
		);
	}
	return args;
};

// The method and arguments of a Media, Buttons, List or Link Button send.
rich.request = (values) => {
	const messages = "whatsapp_integration.api.messages";
	if (values.kind === "Media") {
		return {
			method: `${messages}.send_media`,
			args: {
				kind: values.media_kind,
				file_url: values.media_upload || values.media_file,
				caption: values.text || null,
			},
		};
	}
	const interactive = { body: values.text || "" };
	if (values.kind === "Buttons") {
		interactive.type = "button";
		interactive.buttons = lines(values.reply_buttons).map((title, i) => ({ id: slug(title, i + 1), title }));
	} else if (values.kind === "List") {
		interactive.type = "list";
		interactive.button = values.list_button;
		const rows = lines(values.list_rows).map((line, i) => {
			const [title, description] = line.split("|").map((part) => part.trim());
			const row = { id: slug(title, i + 1), title };
			return description ? { ...row, description } : row;
		});
		interactive.sections = [{ rows }];
	} else {
		interactive.type = "cta_url";
		interactive.display_text = values.cta_text;
		interactive.url = values.cta_url;
	}
	return { method: `${messages}.send_interactive`, args: { interactive: JSON.stringify(interactive) } };
};
