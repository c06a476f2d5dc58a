// "WhatsApp Chat" on the forms of Contact, Customer, Lead and Supplier (doctype_js in hooks.py):
// opens /app/whatsapp-chat with the document's conversations. Each of those forms loads this
// file; the handlers are registered once for all of them.

frappe.provide("whatsapp_integration");

whatsapp_integration.CHAT_DOCTYPES = ["Contact", "Customer", "Lead", "Supplier"];
whatsapp_integration.CHAT_ROLES = ["WhatsApp User", "WhatsApp Manager", "System Manager"];

// Open the chat page on the conversations of one document (any DocType a conversation links).
whatsapp_integration.open_chat = (doctype, docname) => {
	frappe.route_options = { doctype, docname };
	frappe.set_route("whatsapp-chat");
};

whatsapp_integration.add_chat_button = (frm) => {
	if (frm.is_new() || !frappe.user.has_role(whatsapp_integration.CHAT_ROLES)) return;
	frm.add_custom_button(__("WhatsApp Chat"), () =>
		whatsapp_integration.open_chat(frm.doctype, frm.docname)
	);
};

if (!whatsapp_integration.chat_buttons_registered) {
	whatsapp_integration.chat_buttons_registered = true;
	for (const doctype of whatsapp_integration.CHAT_DOCTYPES) {
		frappe.ui.form.on(doctype, { refresh: whatsapp_integration.add_chat_button });
	}
}
