"""Campaigns with a file: the campaign's media file or template header file is uploaded to Meta
once per device and sent to every recipient by its id; a media header without its file is refused
at Start."""

from __future__ import annotations

import pytest
from campaign_harness import CampaignHarness, make_harness
from conftest import FakeClock

from whatsapp_integration.core.errors import InvalidCampaign
from whatsapp_integration.senders.factory import SenderFactory
from whatsapp_integration.senders.media import MediaSources
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.fake_graph_media_upload import uploads
from whatsapp_integration.testing.memory_media import MemoryFileReader, MemoryMediaIdCache

BROCHURE = "/files/autumn-brochure.pdf"


@pytest.fixture
def harness(fake_graph: FakeGraphApi, clock: FakeClock) -> CampaignHarness:
	harness = make_harness(fake_graph, clock)
	files = MemoryFileReader()
	files.add(BROCHURE, b"%PDF-1.4\n" + b"1" * 5000)
	harness.senders = SenderFactory(MediaSources(files, MemoryMediaIdCache()))
	return harness


def run(harness: CampaignHarness) -> None:
	harness.service().start("CAMP-1")
	harness.dispatcher().dispatch_device(harness.device.name)


def test_a_document_campaign_uploads_its_file_once(harness: CampaignHarness) -> None:
	harness.campaign(
		recipients=5, message_type="document", text="For {{ recipient_name }}", media_file_url=BROCHURE
	)
	run(harness)
	(upload,) = uploads(harness.graph)
	documents = [request.body["document"] for request in harness.graph.message_requests()]
	assert [document["id"] for document in documents] == [upload["id"]] * 5
	assert documents[0] == {
		"id": upload["id"],
		"caption": "For Customer 0",
		"filename": "autumn-brochure.pdf",
	}


def test_a_template_campaign_sends_its_header_file(harness: CampaignHarness) -> None:
	harness.campaign(
		recipients=3,
		message_type="template",
		template_name="autumn_offer",
		template_language="en",
		template_params=("{{ recipient_name }}",),
		template_header_format="DOCUMENT",
		template_header_file=BROCHURE,
	)
	run(harness)
	(upload,) = uploads(harness.graph)
	headers = [request.body["template"]["components"][0] for request in harness.graph.message_requests()]
	assert (
		headers
		== [
			{
				"type": "header",
				"parameters": [
					{"type": "document", "document": {"id": upload["id"], "filename": "autumn-brochure.pdf"}}
				],
			}
		]
		* 3
	)


def test_a_media_header_without_its_file_is_refused_at_start(harness: CampaignHarness) -> None:
	harness.campaign(
		recipients=1,
		message_type="template",
		template_name="autumn_offer",
		template_language="en",
		template_header_format="IMAGE",
	)
	with pytest.raises(InvalidCampaign, match=r"has a media header \(image\): attach the file"):
		harness.service().start("CAMP-1")
	assert harness.graph.requests == []


def test_a_link_and_a_file_together_are_refused(harness: CampaignHarness) -> None:
	harness.campaign(
		recipients=1, message_type="document", media_link="https://x.example/a.pdf", media_file_url=BROCHURE
	)
	with pytest.raises(InvalidCampaign, match="link or as a file, not both"):
		harness.service().start("CAMP-1")
