"""WhatsApp Web rules, framework-free: session states and their transitions, the versioned
selector registry and what a Web device can send. The browsers live in `session_host/`."""
