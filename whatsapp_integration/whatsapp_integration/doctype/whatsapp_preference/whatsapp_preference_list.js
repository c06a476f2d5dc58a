// Customer text in this DocType shows as text, never as HTML, and numbers read left to right
// (see whatsapp_integration.bundle.js).
whatsapp_integration.show_as_text("WhatsApp Preference");
