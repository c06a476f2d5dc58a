// Template text and examples in this DocType show as text, never as HTML (see whatsapp_integration.bundle.js).
whatsapp_integration.show_as_text("WhatsApp Template");
