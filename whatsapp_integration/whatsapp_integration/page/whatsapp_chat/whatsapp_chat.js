// WhatsApp chat (/app/whatsapp-chat): the conversations the user may read and a thread pane to
// read and answer them. Everything a customer wrote is put in the page as text (textContent, or
// escaped before WhatsApp's *bold* _italic_ ~strike~ ```mono``` become tags), never as HTML.
// Data comes from whatsapp_integration.api.conversations; new messages and status changes arrive
// as the realtime event "whatsapp_chat" (sent only to users allowed to read the conversation).
// The code is public/js/whatsapp_chat/ (whatsapp_chat.bundle.js), loaded here on the first open.

frappe.pages["whatsapp-chat"].on_page_load = (wrapper) => {
	wrapper.whatsapp_chat = frappe
		.require("whatsapp_chat.bundle.js")
		.then(() => new whatsapp_integration.chat.ChatPage(wrapper));
};

frappe.pages["whatsapp-chat"].on_page_show = (wrapper) => {
	const options = frappe.route_options;
	frappe.route_options = null;
	wrapper.whatsapp_chat.then((page) => page.show(options));
};
