"""WhatsApp Notification rules, framework-free: which events fire a rule, value changes, date
windows, parameter mapping, idempotency keys, recipient resolution and reply actions."""
