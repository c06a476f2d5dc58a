"""Message templates authored in the desk: their Meta components, Meta's rules, status and preview."""
