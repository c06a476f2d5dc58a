"""Meta's webhook: the handshake, the signature, and the payload turned into typed events.

Framework-free. `signature` checks requests, `parse` reads the envelope and routes each change
to `messages`, `statuses` or `preferences`, which build the `events`; `values` reads JSON totally.
"""

from whatsapp_integration.core.webhook.events import (
	SOURCE_KEYWORD,
	SOURCE_META,
	InboundMessage,
	Location,
	Media,
	PreferenceChange,
	Reaction,
	StatusUpdate,
	WebhookBatch,
)
from whatsapp_integration.core.webhook.parse import load_envelope, parse_webhook
from whatsapp_integration.core.webhook.preferences import normalize_keyword
from whatsapp_integration.core.webhook.signature import (
	SIGNATURE_PREFIX,
	sign,
	verify_handshake,
	verify_signature,
)

__all__ = [
	"SIGNATURE_PREFIX",
	"SOURCE_KEYWORD",
	"SOURCE_META",
	"InboundMessage",
	"Location",
	"Media",
	"PreferenceChange",
	"Reaction",
	"StatusUpdate",
	"WebhookBatch",
	"load_envelope",
	"normalize_keyword",
	"parse_webhook",
	"sign",
	"verify_handshake",
	"verify_signature",
]
