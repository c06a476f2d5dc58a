"""senders/factory.py: the sender for a device's mode, one per identity, clear refusals."""

from __future__ import annotations

import threading

import pytest
from conftest import ACCESS_TOKEN, PHONE_NUMBER_ID, make_config, make_device

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError, DeviceUnavailable
from whatsapp_integration.core.message import Media, Template
from whatsapp_integration.core.vocabulary import DeviceMode
from whatsapp_integration.senders.base import SendReceipt
from whatsapp_integration.senders.cloud_api import CloudApiSender
from whatsapp_integration.senders.factory import DeviceProfile, SenderFactory
from whatsapp_integration.testing.fake_graph import FakeGraphApi


class RecordingWebSender:
	"""A stand-in for the WhatsApp Web sender (built by the session host in production)."""

	def __init__(self, device: DeviceProfile) -> None:
		self.device = device
		self.sent: list[str] = []

	def send_text(self, to: str, text: str, *, callback_data: str | None = None) -> SendReceipt:
		self.sent.append(text)
		return SendReceipt(f"web-{len(self.sent)}")

	def send_template(self, to: str, template: Template, *, callback_data: str | None = None) -> SendReceipt:
		raise NotImplementedError

	def send_media(self, to: str, media: Media, *, callback_data: str | None = None) -> SendReceipt:
		raise NotImplementedError


def test_official_device_gets_a_cloud_sender_that_sends(fake_graph: FakeGraphApi) -> None:
	sender = SenderFactory().for_device(make_device(), make_config(fake_graph))
	assert isinstance(sender, CloudApiSender)
	assert sender.send_text("+919876543210", "hi").message_id
	(request,) = fake_graph.message_requests()
	assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"


def test_one_sender_per_identity_is_kept(fake_graph: FakeGraphApi) -> None:
	factory, config, device = SenderFactory(), make_config(fake_graph), make_device()
	first = factory.for_device(device, config)
	assert factory.for_device(make_device(), config) is first
	assert factory.for_device(device, config.replace(request_timeout=9)) is not first
	assert factory.for_device(device, config.replace(graph_api_version="v22.0")) is not first
	assert factory.for_device(make_device(access_token="device-token"), config) is not first
	assert factory.for_device(make_device(phone_number_id="999"), config) is not first


def test_threads_asking_at_once_share_one_sender(fake_graph: FakeGraphApi) -> None:
	factory, config = SenderFactory(), make_config(fake_graph)
	senders: list[object] = []
	start = threading.Barrier(8)

	def ask() -> None:
		start.wait()
		senders.append(factory.for_device(make_device(), config))

	threads = [threading.Thread(target=ask) for _ in range(8)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert len({id(sender) for sender in senders}) == 1


def test_device_token_overrides_the_settings_token() -> None:
	with FakeGraphApi(access_token="device-own-token") as api:
		config = WhatsAppConfig(graph_api_base_url=api.url, access_token="settings-token")
		sender = SenderFactory().for_device(make_device(access_token="device-own-token"), config)
		sender.send_text("+919876543210", "hi")
		assert api.message_requests()[0].headers["Authorization"] == "Bearer device-own-token"


def test_disabled_device_is_refused() -> None:
	with pytest.raises(DeviceUnavailable) as caught:
		SenderFactory().for_device(
			make_device("Sales", enabled=False), WhatsAppConfig(access_token=ACCESS_TOKEN)
		)
	assert str(caught.value) == "WhatsApp Device Sales is disabled. Enable it or pick another device."


def test_web_device_without_a_session_host_is_refused_with_a_hint() -> None:
	with pytest.raises(DeviceUnavailable) as caught:
		SenderFactory().for_device(make_device("Phone 2", mode=DeviceMode.WEB), WhatsAppConfig())
	assert str(caught.value) == (
		"Mode 'Web' of device Phone 2 cannot send here. Start the WhatsApp Web session host."
	)


def test_unknown_mode_is_refused() -> None:
	with pytest.raises(DeviceUnavailable) as caught:
		SenderFactory().for_device(make_device("X", mode="Fax"), WhatsAppConfig())
	assert str(caught.value) == "Mode 'Fax' of device X cannot send here."


def test_registered_web_builder_is_used_and_reregistering_drops_old_senders() -> None:
	factory, config = SenderFactory(), WhatsAppConfig()
	factory.register(DeviceMode.WEB, lambda device, _config: RecordingWebSender(device))
	device = make_device("Phone 2", mode=DeviceMode.WEB, phone_number_id=None)
	first = factory.for_device(device, config)
	assert isinstance(first, RecordingWebSender) and first.device is device
	assert factory.for_device(device, config) is first
	factory.register(DeviceMode.WEB, lambda device, _config: RecordingWebSender(device))
	assert factory.for_device(device, config) is not first


def test_official_sender_needs_a_token() -> None:
	with pytest.raises(ConfigurationError) as caught:
		SenderFactory().for_device(make_device("Main"), WhatsAppConfig(access_token=""))
	assert "No access token is set" in str(caught.value)
	assert "WhatsApp Integration Settings" in str(caught.value) and "device Main" in str(caught.value)


def test_official_sender_needs_a_phone_number_id() -> None:
	with pytest.raises(ConfigurationError) as caught:
		SenderFactory().for_device(
			make_device("Main", phone_number_id=None), WhatsAppConfig(access_token="t")
		)
	assert str(caught.value) == "Device Main has no Phone Number ID. Copy it from the Meta app dashboard."


def test_device_profile_repr_hides_the_token() -> None:
	device = DeviceProfile("Main", DeviceMode.OFFICIAL, "123", access_token="EAAG-device-secret")
	assert "EAAG-device-secret" not in repr(device)
