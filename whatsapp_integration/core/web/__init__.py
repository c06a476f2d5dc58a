"""WhatsApp Web (unofficial mode), framework-free: session states and supervisor, driver pool,
QR capture, selectors, the page sender, pacing, and the session host with its Redis client."""
