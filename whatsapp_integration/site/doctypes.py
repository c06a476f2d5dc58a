"""The names of the app's DocTypes (and the Frappe ones it reads), in one place."""

from __future__ import annotations

SETTINGS = "WhatsApp Integration Settings"
DEVICE = "WhatsApp Device"
MESSAGE_LOG = "WhatsApp Message Log"
STATUS_EVENT = "WhatsApp Message Status Event"
OPT_OUT = "WhatsApp Opt Out"
PREFERENCE = "WhatsApp Preference"
TEMPLATE = "WhatsApp Template"
CAMPAIGN = "WhatsApp Campaign"
CAMPAIGN_RECIPIENT = "WhatsApp Campaign Recipient"
CAMPAIGN_DEVICE = "WhatsApp Campaign Device"
WEBHOOK_EVENT = "WhatsApp Webhook Event"
CONVERSATION = "WhatsApp Conversation"
NOTIFICATION = "WhatsApp Notification"
REPLY_ACTION = "WhatsApp Reply Action"
