"""What a WhatsApp Web device can send: text only; media goes as its link; templates, files and
interactive messages are refused."""

from __future__ import annotations

from whatsapp_integration.core.errors import ErrorAction, SendFailed
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.message import Media, Template


def template_refused(template: Template) -> SendFailed:
	return SendFailed(
		_(
			"Template {template} cannot be sent from a WhatsApp Web device: templates exist only "
			"in Official mode. Pick an Official device, or send a text message."
		).format(template=template.name),
		action=ErrorAction.FIX_INPUT,
	)


def interactive_refused() -> SendFailed:
	return SendFailed(
		_(
			"Buttons, lists and link buttons exist only in Official mode; a WhatsApp Web device cannot send "
			"them. Pick an Official device, or send a text message."
		),
		action=ErrorAction.FIX_INPUT,
	)


def media_as_text(media: Media) -> str:
	"""WhatsApp Web devices send media as its link, with the caption above it; a file of the site
	or an uploaded media id only goes through an Official device."""
	if not media.link:
		raise SendFailed(
			_(
				"A WhatsApp Web device sends media only as a public link. Pick an Official device to "
				"send a file, or give the file's public link."
			),
			action=ErrorAction.FIX_INPUT,
		)
	return f"{media.caption}\n{media.link}" if media.caption else media.link
