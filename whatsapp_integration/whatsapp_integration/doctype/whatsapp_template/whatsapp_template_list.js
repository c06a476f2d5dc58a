// Template text and examples in this DocType show as text, never as HTML (see whatsapp_integration.bundle.js).
whatsapp_integration.show_as_text("WhatsApp Template");

frappe.listview_settings["WhatsApp Template"] = {
	get_indicator(doc) {
		const colors = { APPROVED: "green", PENDING: "orange", DRAFT: "gray", PAUSED: "orange" };
		const status = doc.status || "DRAFT";
		return [__(status), colors[status] || "red", "status,=," + status];
	},
	onload(listview) {
		listview.page.add_inner_button(__("Sync from Meta"), () =>
			frappe
				.call({ method: "whatsapp_integration.api.campaigns.sync_templates", freeze: true })
				.then((r) => {
					frappe.show_alert({
						message: __("{0} templates synced from Meta", [r.message.synced]),
						indicator: "green",
					});
					listview.refresh();
				})
		);
	},
};
