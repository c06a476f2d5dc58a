// Copyright (c) 2026, whatsapp_integration developers and contributors
// For license information, please see license.txt

// The thread lives in the chat page; the form opens it and resolves or reopens the conversation.
frappe.ui.form.on("WhatsApp Conversation", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Open in chat"), () => {
			frappe.route_options = { conversation: frm.doc.name };
			frappe.set_route("whatsapp-chat");
		});
		const resolved = frm.doc.status === "Resolved";
		frm.add_custom_button(resolved ? __("Reopen") : __("Resolve"), () =>
			frappe
				.xcall(
					`whatsapp_integration.api.conversations.${resolved ? "reopen" : "resolve"}`,
					{ conversation: frm.doc.name }
				)
				.then(() => frm.reload_doc())
		);
	},
});
