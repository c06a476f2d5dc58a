// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

const PREVIEW_FIELDS = [
	"category",
	"parameter_format",
	"header_format",
	"header_text",
	"header_example",
	"header_sample",
	"body",
	"body_examples",
	"footer",
];
const STATUS_COLORS = {
	APPROVED: "green",
	PENDING: "orange",
	DRAFT: "gray",
	REJECTED: "red",
	PAUSED: "orange",
	DISABLED: "red",
};

frappe.ui.form.on("WhatsApp Template", {
	refresh(frm) {
		whatsapp_template.add_style();
		whatsapp_template.render_preview(frm);
		if (frm.doc.status) {
			frm.page.set_indicator(__(frm.doc.status), STATUS_COLORS[frm.doc.status] || "blue");
		}
		if (frm.doc.status_reason) {
			frm.set_intro(frappe.utils.escape_html(frm.doc.status_reason), "orange");
		}
		if (!frm.is_new() && frm.perm[0] && frm.perm[0].write) {
			frm.add_custom_button(__("Submit to Meta"), () => whatsapp_template.submit(frm));
		}
	},
	...Object.fromEntries(PREVIEW_FIELDS.map((field) => [field, (frm) => whatsapp_template.schedule(frm)])),
});

frappe.ui.form.on("WhatsApp Template Button", {
	button_type: (frm) => whatsapp_template.schedule(frm),
	text: (frm) => whatsapp_template.schedule(frm),
	buttons_remove: (frm) => whatsapp_template.schedule(frm),
});

const whatsapp_template = {
	timer: null,
	schedule(frm) {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.render_preview(frm), 300);
	},
	render_preview(frm) {
		const wrapper = frm.fields_dict.preview && frm.fields_dict.preview.$wrapper;
		if (!wrapper) return;
		frappe
			.call({
				method: "whatsapp_integration.api.templates.preview",
				args: { doc: frm.doc },
			})
			.then((r) => wrapper.html(r.message || ""));
	},
	submit(frm) {
		const send = () =>
			frappe
				.call({
					method: "whatsapp_integration.api.templates.submit",
					args: { name: frm.doc.name },
					freeze: true,
					freeze_message: __("Submitting the template to Meta..."),
				})
				.then((r) => {
					frappe.show_alert({
						message: __("Meta has the template: {0}", [frappe.utils.escape_html(r.message.status)]),
						indicator: "green",
					});
					frm.reload_doc();
				});
		return frm.is_dirty() ? frm.save().then(send) : send();
	},
	add_style() {
		if (document.getElementById("wa-template-preview-style")) return;
		const style = document.createElement("style");
		style.id = "wa-template-preview-style";
		style.textContent = `
			.wa-preview { background: #efeae2; padding: 16px; border-radius: 8px; max-width: 380px; }
			.wa-bubble { background: #fff; border-radius: 8px; padding: 6px 8px 8px; box-shadow: 0 1px 1px rgba(0,0,0,.13); }
			.wa-header { margin-bottom: 4px; }
			.wa-media { background: #d9dde1; color: #54656f; border-radius: 6px; height: 140px; display: flex;
				align-items: center; justify-content: center; margin-bottom: 6px; overflow: hidden; }
			.wa-media img { max-width: 100%; }
			.wa-body { white-space: normal; color: #111b21; line-height: 1.4; }
			.wa-var { background: #e7f3ef; border-radius: 3px; padding: 0 2px; }
			.wa-footer { color: #667781; font-size: 12px; margin-top: 4px; }
			.wa-button { background: #fff; color: #027eb5; text-align: center; border-radius: 8px; margin-top: 3px;
				padding: 8px; box-shadow: 0 1px 1px rgba(0,0,0,.13); }
		`;
		document.head.appendChild(style);
	},
};
