"""Wires the number health service to this site: the device columns, Meta's Graph API with each
device's token, and the alert path of operations/alerts (one alert per incident)."""

from __future__ import annotations

from frappe import _
from frappe.utils import now_datetime

from whatsapp_integration.core.errors import ConfigurationError
from whatsapp_integration.core.number_health import NumberHealth
from whatsapp_integration.operations.alerts import raise_incident
from whatsapp_integration.repositories.number_health import FrappeNumberHealthRepository
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.number_health import NumberHealthService, read_number_health
from whatsapp_integration.site.settings import get_config


def number_health_service() -> NumberHealthService:
	return NumberHealthService(
		FrappeNumberHealthRepository(), reader=read_device_health, alert=raise_incident, now=now_datetime
	)


def read_device_health(device: DeviceProfile) -> NumberHealth:
	"""GET the device's phone number node with its own token (else the Settings' token)."""
	config = get_config()
	token = device.access_token or config.access_token
	if not token:
		raise ConfigurationError(
			_(
				"No access token is set for device {0}: paste a system-user token into WhatsApp "
				"Integration Settings or into the device."
			).format(device.name)
		)
	if not device.phone_number_id:
		raise ConfigurationError(_("Device {0} has no Phone Number ID.").format(device.name))
	client = GraphClient(config.graph_api_root, token, timeout=config.request_timeout)
	return read_number_health(client, device.phone_number_id)
