"""Wires the inbound media download (`services/media_download.py`) to this site: the Frappe
store, Settings, a Graph client with the device's token, and the background job."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from whatsapp_integration.repositories.inbound_media import FrappeMediaStore
from whatsapp_integration.repositories.messages import FrappeMessageRepository
from whatsapp_integration.senders.factory import graph_client_for
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.media_download import MediaDownloader
from whatsapp_integration.site.settings import get_config

DOWNLOAD_JOB = "whatsapp_integration.tasks.download_inbound_media"


def media_downloader() -> MediaDownloader:
	return MediaDownloader(FrappeMediaStore(), get_config(), graph_client, now=now_datetime)


def graph_client(device: str) -> GraphClient:
	return graph_client_for(FrappeMessageRepository().get_device(device), get_config())


def queue_media_download(wamid: str) -> None:
	"""Download a new inbound message's media in the background now (Meta's URL lives about five
	minutes); the row is committed already. Rows no job finished are picked up by the scheduler."""
	frappe.enqueue(
		DOWNLOAD_JOB, queue="short", wamid=wamid, job_id=f"whatsapp-media-{wamid}", deduplicate=True
	)
