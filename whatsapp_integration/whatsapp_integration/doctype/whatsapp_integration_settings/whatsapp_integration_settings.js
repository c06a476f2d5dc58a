// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

const META_GRAPH_URL = "https://graph.facebook.com";

frappe.ui.form.on("WhatsApp Integration Settings", {
	refresh(frm) {
		show_graph_url_warning(frm);
	},
	graph_api_base_url(frm) {
		show_graph_url_warning(frm);
	},
});

function show_graph_url_warning(frm) {
	const url = (frm.doc.graph_api_base_url || "").trim().replace(/\/+$/, "");
	if (!url || url === META_GRAPH_URL) {
		frm.set_intro("");
		return;
	}
	frm.set_intro(
		__("Graph API base URL is {0}, not {1}: the access tokens are sent to that host.", [
			frappe.utils.escape_html(url),
			META_GRAPH_URL,
		]),
		"orange"
	);
}
