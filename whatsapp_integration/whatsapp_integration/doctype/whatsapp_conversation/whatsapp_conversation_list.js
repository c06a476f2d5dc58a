// Customer text in this DocType shows as text, never as HTML (see whatsapp_integration.bundle.js).
whatsapp_integration.show_as_text("WhatsApp Conversation");

frappe.listview_settings["WhatsApp Conversation"] = {
	get_indicator(doc) {
		return doc.status === "Resolved"
			? [__("Resolved"), "green", "status,=,Resolved"]
			: [__("Open"), "orange", "status,=,Open"];
	},
};
