from whatsapp_integration.core.notification.events import DOCUMENT_HOOKS as _DOCUMENT_HOOKS

app_name = "whatsapp_integration"
app_title = "WhatsApp Integration"
app_publisher = "whatsapp_integration developers"
app_description = (
	"WhatsApp for ERPNext: Cloud API and WhatsApp Web sending, campaigns, logs, verified webhooks"
)
app_email = "dev@whatsapp-integration.local"
app_license = "MIT"

export_python_type_annotations = True

before_install = "whatsapp_integration.site.install.before_install"
after_install = "whatsapp_integration.site.install.after_install"
after_migrate = [
	"whatsapp_integration.site.install.after_migrate",
	"whatsapp_integration.operations.retention.sync_log_settings",
]

scheduler_events = {
	"cron": {
		# every five minutes: repeated failures, lost sessions, expired tokens, bad signatures
		"*/5 * * * *": [
			"whatsapp_integration.tasks.check_alerts",
			# WhatsApp Web: the session host sweeps now; sessions a gone host left are STOPPED
			"whatsapp_integration.tasks.clean_up_web_sessions",
		],
		# every minute: queued retries of the message outbox
		"* * * * *": [
			"whatsapp_integration.tasks.retry_queued_messages",
			# inbox rows of Meta's webhook that no worker finished
			"whatsapp_integration.tasks.process_pending_webhook_events",
			# inbound media whose download retry is due or whose queued job never ran
			"whatsapp_integration.tasks.retry_inbound_media",
			# campaigns: start the due ones, one dispatcher job per sending device
			"whatsapp_integration.tasks.run_campaigns",
			# Sandbox devices: Delivered and Read statuses not reported yet
			"whatsapp_integration.tasks.queue_sandbox_statuses",
		],
	},
	# official devices' quality rating, messaging limit and status (services/number_health.py)
	"hourly": [
		"whatsapp_integration.tasks.refresh_number_health",
		# WhatsApp Notification date rules (Days Before/After) whose send time has come, once a day each
		"whatsapp_integration.tasks.run_date_notifications",
	],
	"daily": [
		"whatsapp_integration.tasks.purge_webhook_events",
		"whatsapp_integration.tasks.sync_whatsapp_templates",
	],
}

# Meta's webhook at the readable path /whatsapp/webhook (same handler as the /api/method URL)
page_renderer = ["whatsapp_integration.api.webhook.WebhookPage"]

# Message Log retention runs in Frappe's Log Settings (days synced from WhatsApp Settings on save)
default_log_clearing_doctypes = {"WhatsApp Message Log": 90}
doc_events = {
	"WhatsApp Integration Settings": {
		"on_update": "whatsapp_integration.operations.retention.sync_log_settings"
	},
	"Contact": {"validate": "whatsapp_integration.site.install.index_contact_numbers"},
	# WhatsApp Notification rules: a cached look-up per DocType; matches are enqueued after commit
	"*": {method: "whatsapp_integration.site.notifications.on_document_event" for method in _DOCUMENT_HOOKS},
}

# Replies that do something: WhatsApp Reply Actions run on inbound messages
whatsapp_message_events = {
	"inbound": ["whatsapp_integration.site.reply_actions.on_inbound"],
	# The chat page (/app/whatsapp-chat): new messages and status changes reach the users who may
	# see them (site/chat_realtime.py)
	"*": ["whatsapp_integration.site.chat_realtime.publish"],
}

# "Send WhatsApp" on the DocTypes listed in Settings, and sent messages in their timelines
app_include_js = "whatsapp_integration.bundle.js"
# Phone numbers left to right in a Persian or Arabic desk (public/css/whatsapp_integration.bundle.css)
app_include_css = "whatsapp_integration.bundle.css"
boot_session = "whatsapp_integration.site.desk.boot_session"
additional_timeline_content = {"*": ["whatsapp_integration.site.desk.timeline_content"]}
# A WhatsApp Chat button on the forms of the documents conversations link (public/js/chat_button.js)
doctype_js = {doctype: "public/js/chat_button.js" for doctype in ("Contact", "Customer", "Lead", "Supplier")}

# Conversations and their messages: WhatsApp Users see theirs, managers all (site/conversation_access.py)
permission_query_conditions = {
	"WhatsApp Conversation": "whatsapp_integration.site.conversation_access.conversation_conditions",
	"WhatsApp Message Log": "whatsapp_integration.site.conversation_access.message_conditions",
}
has_permission = {
	"WhatsApp Conversation": "whatsapp_integration.site.conversation_access.conversation_permission",
	"WhatsApp Message Log": "whatsapp_integration.site.conversation_access.message_permission",
}

# Prometheus scrapers authenticate with the Metrics Token of Settings (Bearer) on the metrics endpoint
auth_hooks = ["whatsapp_integration.api.metrics.authenticate_scraper"]
