"""A campaign's message for one recipient: its context and the outbound message it renders to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign.records import CampaignRecord, RecipientRow
from whatsapp_integration.core.campaign.rendering import Renderer, render_parameters, render_text
from whatsapp_integration.core.vocabulary import MessageType


def outbound_message(
	campaign: CampaignRecord,
	device: str,
	to: str,
	context: Mapping[str, Any],
	key: str | None,
	reference: tuple[str | None, str | None] | None,
	render: Renderer,
) -> rules.OutboundMessage:
	"""The campaign's message for one recipient, its placeholders filled from `context`."""
	doctype, docname = reference or (None, None)
	common: dict[str, Any] = {"to": to, "device": device, "idempotency_key": key, "callback_data": key}
	common.update(reference_doctype=doctype, reference_name=docname)
	if campaign.message_type == MessageType.TEMPLATE:
		parameters = render_parameters(campaign.template_params, context, render)
		template = rules.Template(
			campaign.template_name or "",
			campaign.template_language or "en_US",
			parameters,
			header_media=header_media(campaign),
		)
		return rules.OutboundMessage(message_type=MessageType.TEMPLATE, template=template, **common)
	text = render_text(campaign.text or "", context, render) if campaign.text else None
	if campaign.media_link or campaign.media_file_url:
		media = rules.Media(
			campaign.message_type,
			campaign.media_link or "",
			caption=text or None,
			file_url=None if campaign.media_link else campaign.media_file_url,
		)
		return rules.OutboundMessage(message_type=campaign.message_type, media=media, **common)
	return rules.OutboundMessage(message_type=MessageType.TEXT, text=text, **common)


def header_media(campaign: CampaignRecord) -> rules.Media | None:
	"""The media of the template's image, video or document header: the campaign's header file."""
	kind = (campaign.template_header_format or "").lower()
	if kind not in rules.HEADER_MEDIA_KINDS or not campaign.template_header_file:
		return None
	return rules.Media(kind, file_url=campaign.template_header_file)


def recipient_context(campaign: CampaignRecord, row: RecipientRow) -> dict[str, Any]:
	return {
		**row.context,
		"recipient_name": row.recipient_name or "",
		"phone": row.number,
		"campaign": campaign.name,
	}
