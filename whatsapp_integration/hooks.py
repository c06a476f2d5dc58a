app_name = "whatsapp_integration"
app_title = "WhatsApp Integration"
app_publisher = "whatsapp_integration developers"
app_description = (
	"WhatsApp for ERPNext: Cloud API and WhatsApp Web sending, campaigns, logs, verified webhooks"
)
app_email = "dev@whatsapp-integration.local"
app_license = "MIT"

export_python_type_annotations = True

after_install = "whatsapp_integration.install.after_install"
after_migrate = "whatsapp_integration.install.after_migrate"

scheduler_events = {
	"cron": {
		# every minute: queued retries of the message outbox
		"* * * * *": [
			"whatsapp_integration.tasks.retry_queued_messages",
			# inbox rows of Meta's webhook that no worker finished
			"whatsapp_integration.tasks.process_pending_webhook_events",
		],
	},
	"daily": [
		"whatsapp_integration.tasks.purge_old_logs",
		"whatsapp_integration.tasks.purge_webhook_events",
	],
}

# Meta's webhook at the readable path /whatsapp/webhook (same handler as the /api/method URL)
page_renderer = ["whatsapp_integration.api.webhook.WebhookPage"]
