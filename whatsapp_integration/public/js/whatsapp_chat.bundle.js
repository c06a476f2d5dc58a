// The chat page's code (/app/whatsapp-chat), loaded by the page itself on its first open
// (page/whatsapp_chat/whatsapp_chat.js: frappe.require), not on every desk page.

import { ChatPage } from "./whatsapp_chat/chat_page";

frappe.provide("whatsapp_integration.chat");
whatsapp_integration.chat.ChatPage = ChatPage;
