// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("WhatsApp Message Log", {
	refresh(frm) {
		if (frm.doc.status === "Failed" && frm.doc.error_reason) {
			frm.set_intro(
				`${__("Meta error {0}", [frm.doc.error_code || "-"])}: ${frappe.utils.escape_html(
					frm.doc.error_reason
				)}`,
				"red"
			);
		}
		if (frm.doc.direction === "Outbound" && frm.doc.status === "Failed") {
			frm.add_custom_button(__("Retry"), () => {
				frappe
					.call({
						method: "whatsapp_integration.api.messages.retry",
						args: { name: frm.doc.name },
						freeze: true,
					})
					.then(() => {
						frappe.show_alert({
							message: __("Queued again: it goes out within a minute."),
							indicator: "green",
						});
						frm.reload_doc();
					});
			});
		}
	},
});
