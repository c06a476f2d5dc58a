// Customer text in this DocType shows as text, never as HTML (see whatsapp_integration.bundle.js).
whatsapp_integration.show_as_text("WhatsApp Device");
