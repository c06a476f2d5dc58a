"""Senders for both modes behind one interface, and the factory that picks one per device."""

from whatsapp_integration.core.senders.base import SendReceipt, WhatsAppSender
from whatsapp_integration.core.senders.cloud_api import CloudApiSender
from whatsapp_integration.core.senders.factory import DeviceProfile, SenderFactory

__all__ = ["CloudApiSender", "DeviceProfile", "SendReceipt", "SenderFactory", "WhatsAppSender"]
