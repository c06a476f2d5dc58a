"""What a WhatsApp Web device can send: text only; media goes as its link, templates are refused."""

from __future__ import annotations

from whatsapp_integration.core.errors import ErrorAction, SendFailed
from whatsapp_integration.core.message import Media, Template


def template_refused(template: Template) -> SendFailed:
	return SendFailed(
		f"Template {template.name} cannot be sent from a WhatsApp Web device: templates exist only "
		"in Official mode. Pick an Official device, or send a text message.",
		action=ErrorAction.FIX_INPUT,
	)


def media_as_text(media: Media) -> str:
	"""WhatsApp Web devices send media as its link, with the caption above it."""
	return f"{media.caption}\n{media.link}" if media.caption else media.link
