"""Picks the sender for a device's mode; keeps one sender (and one HTTP pool) per identity."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError, DeviceUnavailable
from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.senders.base import WhatsAppSender
from whatsapp_integration.senders.cloud_api import CloudApiSender
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.senders.media import MediaSources


@dataclass(frozen=True)
class DeviceProfile:
	"""What a sender needs to know about a WhatsApp Device."""

	name: str
	mode: str = DeviceMode.OFFICIAL
	phone_number_id: str | None = None
	waba_id: str | None = None
	access_token: str | None = field(default=None, repr=False)
	phone_number: str | None = None
	enabled: bool = True
	daily_cap: int = 0


SenderBuilder = Callable[[DeviceProfile, WhatsAppConfig], WhatsAppSender]


class SenderFactory:
	"""Returns the sender for a device. Web mode registers its builder at start-up
	(`register(DeviceMode.WEB, ...)`), which keeps Selenium out of official-only processes."""

	def __init__(self, media: MediaSources | None = None) -> None:
		self._builders: dict[str, SenderBuilder] = {DeviceMode.OFFICIAL: cloud_sender_builder(media)}
		self._senders: dict[tuple, WhatsAppSender] = {}
		self._lock = threading.Lock()

	def register(self, mode: str, builder: SenderBuilder) -> None:
		with self._lock:
			self._builders[mode] = builder
			self._senders = {key: sender for key, sender in self._senders.items() if key[0] != mode}

	def for_device(self, device: DeviceProfile, config: WhatsAppConfig) -> WhatsAppSender:
		if not device.enabled:
			raise DeviceUnavailable(
				_("WhatsApp Device {device} is disabled. Enable it or pick another device.").format(
					device=device.name
				)
			)
		key = _identity(device, config)
		with self._lock:
			sender = self._senders.get(key)
			if sender is None:
				sender = self._build(device, config)
				self._senders[key] = sender
			return sender

	def _build(self, device: DeviceProfile, config: WhatsAppConfig) -> WhatsAppSender:
		builder = self._builders.get(device.mode)
		if builder is None:
			refusal = (
				_("Mode {mode!r} of device {device} cannot send here. Start the WhatsApp Web session host.")
				if device.mode == DeviceMode.WEB
				else _("Mode {mode!r} of device {device} cannot send here.")
			)
			raise DeviceUnavailable(refusal.format(mode=device.mode, device=device.name))
		return builder(device, config)


def _identity(device: DeviceProfile, config: WhatsAppConfig) -> tuple:
	"""A sender is rebuilt when anything it was built from changes (its timeouts included)."""
	token = device.access_token or config.access_token
	return (
		device.mode,
		device.name,
		device.phone_number_id,
		hash(token),
		config.graph_api_root,
		config.request_timeout,
		config.page_load_timeout,
		config.element_timeout,
		config.web_min_send_gap_seconds,
		config.web_send_jitter_seconds,
	)


def cloud_sender_builder(media: MediaSources | None) -> SenderBuilder:
	"""The builder of Cloud API senders that send the site's files through `media`."""

	def build(device: DeviceProfile, config: WhatsAppConfig) -> CloudApiSender:
		return build_cloud_sender(device, config, media)

	return build


def build_cloud_sender(
	device: DeviceProfile, config: WhatsAppConfig, media: MediaSources | None = None
) -> CloudApiSender:
	if not device.phone_number_id:
		raise ConfigurationError(
			_("Device {device} has no Phone Number ID. Copy it from the Meta app dashboard.").format(
				device=device.name
			)
		)
	return CloudApiSender(graph_client_for(device, config), device.phone_number_id, media)


def graph_client_for(device: DeviceProfile, config: WhatsAppConfig) -> GraphClient:
	"""A Graph API client with the device's own access token, else the one of Settings."""
	token = device.access_token or config.access_token
	if not token:
		raise ConfigurationError(
			_(
				"No access token is set. Paste a system-user token into WhatsApp Integration Settings "
				"or into device {device}."
			).format(device=device.name)
		)

	return GraphClient(config.graph_api_root, token, timeout=config.request_timeout)
