"""How a message leaves for WhatsApp: the sender interface, the Cloud API sender over the Graph
API, and the factory that picks a sender by device mode."""
