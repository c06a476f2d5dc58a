"""The chat page's composition root: the chat service wired to this site's repositories, the
outbox and the Settings config; the background job that sends read receipts."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from whatsapp_integration.repositories.chat import FrappeChatRepository
from whatsapp_integration.services.chat_service import ChatService, ReadReceipt
from whatsapp_integration.site.services import conversation_service, message_service
from whatsapp_integration.site.settings import get_config


def chat_service() -> ChatService:
	outbox = message_service()
	return ChatService(
		FrappeChatRepository(),
		get_config(),
		send=outbox.send,
		devices=outbox.repository.get_device,
		clear_unread=conversation_service().mark_read,
		now=now_datetime,
	)


def read_receipt_job(receipt: ReadReceipt) -> None:
	"""Send `receipt` to Meta from a worker, once the unread count's reset is committed."""
	frappe.enqueue(
		"whatsapp_integration.site.chat.send_read_receipt",
		queue="short",
		enqueue_after_commit=True,
		device=receipt.device,
		wamid=receipt.wamid,
	)


def send_read_receipt(device: str, wamid: str) -> None:
	"""The job: a failure is logged (Error Log) by the worker; the customer's app simply shows
	the message unread, so it is not retried."""
	chat_service().send_read_receipt(ReadReceipt(device, wamid))
