"""services.template_service against the fake Graph API: what reaches Meta when a template is
submitted (create, edit, the header sample through the resumable upload), Meta's refusals, and
Meta's template webhooks applied through the webhook service, with the pause -> stop rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from tests.campaign_harness import make_harness
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ConfigurationError, InvalidCampaign
from whatsapp_integration.core.templates.components import Button, TemplateDraft, create_payload
from whatsapp_integration.core.templates.validation import InvalidTemplate
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.services.template_service import (
	TemplateRefused,
	TemplateStatusService,
	TemplateSubmitter,
)
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing import fake_graph_templates, webhook_payloads
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_media import MemoryFileReader
from whatsapp_integration.testing.memory_templates import MemoryTemplateStore
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

DRAFT = TemplateDraft(
	name="order_update",
	language="en_US",
	category="UTILITY",
	body="Hi {{1}}, your order {{2}} has shipped.",
	body_examples=("Ada", "A-1001"),
	footer="Thanks for shopping",
	buttons=(Button("URL", "Track", url="https://example.com/t/{{1}}", url_example="A-1001"),),
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
def api() -> Iterator[FakeGraphApi]:
	with FakeGraphApi() as server:
		yield server


@pytest.fixture
def files() -> MemoryFileReader:
	reader = MemoryFileReader()
	reader.add("/files/sample.png", PNG, "image/png")
	return reader


def submitter(api: FakeGraphApi, files: MemoryFileReader, app_id: str = "123456789") -> TemplateSubmitter:
	client = GraphClient(f"{api.url}/v21.0", "test-token", timeout=5)
	return TemplateSubmitter(client, waba_id="WABA1", app_id=app_id, read_sample=files.read)


def test_create_posts_metas_payload_to_the_business_account(
	api: FakeGraphApi, files: MemoryFileReader
) -> None:
	submission = submitter(api, files).submit(DRAFT, meta_id=None, status="DRAFT")
	(request,) = api.requests
	assert (request.method, request.path) == ("POST", "/v21.0/WABA1/message_templates")
	assert request.body == create_payload(DRAFT)
	assert submission.status == "PENDING" and submission.meta_id and submission.category == "UTILITY"
	assert [t["name"] for t in api.state.templates] == ["order_update"]  # the sync will list it


def test_image_header_sample_goes_through_the_resumable_upload(
	api: FakeGraphApi, files: MemoryFileReader
) -> None:
	draft = replace(DRAFT, header_format="IMAGE", header_sample="/files/sample.png")
	submission = submitter(api, files).submit(draft, meta_id=None, status=None)
	start, upload, create = api.requests
	assert start.path == "/v21.0/123456789/uploads"
	(handle,) = fake_graph_templates.uploaded(api)
	assert fake_graph_templates.uploaded(api)[handle]["data"] == PNG
	assert upload.path.startswith("/v21.0/upload:")
	assert create.body["components"][0] == {
		"type": "HEADER",
		"format": "IMAGE",
		"example": {"header_handle": [handle]},
	}
	assert submission.header_handle == handle


def test_upload_query_and_headers_as_meta_documents(api: FakeGraphApi, files: MemoryFileReader) -> None:
	handle = submitter(api, files).upload_sample("IMAGE", "/files/sample.png")
	assert handle.startswith("4::")
	assert fake_graph_templates.sessions(api) == [
		{"app_id": "123456789", "file_name": "sample.png", "file_type": "image/png", "file_length": len(PNG)}
	]
	assert fake_graph_templates.chunks(api) == [
		{"file_offset": "0", "authorization": "OAuth test-token", "size": len(PNG), "query": "sig=ARZfakesig"}
	]


def test_an_interrupted_upload_resumes_from_metas_offset(api: FakeGraphApi, files: MemoryFileReader) -> None:
	fake_graph_templates.interrupt_next_upload(api, after_bytes=1000)
	handle = submitter(api, files).upload_sample("IMAGE", "/files/sample.png")
	assert fake_graph_templates.uploaded(api)[handle]["data"] == PNG
	methods = [(r.method, r.path.split("/")[-1][:7]) for r in api.requests]
	assert methods == [("POST", "uploads"), ("POST", "upload:"), ("GET", "upload:"), ("POST", "upload:")]


def test_sample_of_the_wrong_type_is_refused_before_any_upload(
	api: FakeGraphApi, files: MemoryFileReader
) -> None:
	files.add("/files/clip.gif", b"GIF89a", "image/gif")
	with pytest.raises(InvalidTemplate, match="image/jpeg or image/png"):
		submitter(api, files).submit(
			replace(DRAFT, header_format="IMAGE", header_sample="/files/clip.gif"), meta_id=None, status=None
		)
	assert api.requests == []


def test_no_app_id_says_where_to_set_it(api: FakeGraphApi, files: MemoryFileReader) -> None:
	with pytest.raises(ConfigurationError, match="Meta App ID"):
		submitter(api, files, app_id="").submit(
			replace(DRAFT, header_format="IMAGE", header_sample="/files/sample.png"),
			meta_id=None,
			status=None,
		)
	assert api.requests == []


def test_invalid_template_makes_no_request(api: FakeGraphApi, files: MemoryFileReader) -> None:
	with pytest.raises(InvalidTemplate, match="cannot start or end with a variable"):
		submitter(api, files).submit(replace(DRAFT, body="{{1}} shipped {{2}}"), meta_id=None, status=None)
	assert api.requests == []


def test_metas_refusal_carries_its_reason(api: FakeGraphApi, files: MemoryFileReader) -> None:
	submitter(api, files).submit(DRAFT, meta_id=None, status=None)
	with pytest.raises(TemplateRefused) as refused:
		submitter(api, files).submit(DRAFT, meta_id=None, status=None)
	message = str(refused.value)
	assert "Content in This Language Already Exists" in message
	assert "There's already en_US content for this template" in message and "2388024" in message


def test_edit_posts_components_to_the_template_node(api: FakeGraphApi, files: MemoryFileReader) -> None:
	first = submitter(api, files).submit(DRAFT, meta_id=None, status=None)
	api.state.templates[0]["status"] = "APPROVED"
	edited = replace(DRAFT, footer="New footer")
	second = submitter(api, files).submit(edited, meta_id=first.meta_id, status="APPROVED")
	request = api.requests[-1]
	assert request.path == f"/v21.0/{first.meta_id}" and set(request.body) == {"components"}
	assert request.body["components"][1] == {"type": "FOOTER", "text": "New footer"}
	assert second.status == "PENDING" and second.meta_id == first.meta_id


def test_a_template_under_review_is_not_edited(api: FakeGraphApi, files: MemoryFileReader) -> None:
	with pytest.raises(InvalidTemplate, match="wait for its decision"):
		submitter(api, files).submit(DRAFT, meta_id="1700", status="PENDING")
	assert api.requests == []


class StopRecorder:
	def __init__(self) -> None:
		self.calls: list[tuple[str, str]] = []

	def __call__(self, template: str, reason: str) -> None:
		self.calls.append((template, reason))


def webhook(store: MemoryTemplateStore, stops: StopRecorder) -> WebhookService:
	status = TemplateStatusService(store, stop_users=stops)
	return WebhookService(MemoryWebhookRepository(), WhatsAppConfig(), templates=status.apply)


def body(*changes: dict[str, Any]) -> bytes:
	return webhook_payloads.encode(webhook_payloads.envelope(list(changes)))


def test_approval_and_pause_by_webhook_stop_the_users_once() -> None:
	store, stops = MemoryTemplateStore(), StopRecorder()
	name = store.add("order_update", "en_US", "555", status="PENDING")
	service = webhook(store, stops)
	result = service.process(body(webhook_payloads.template_status_change("555", "order_update", "APPROVED")))
	assert result.template_updates == 1 and store.rows[name]["status"] == "APPROVED" and stops.calls == []
	paused = webhook_payloads.template_status_change(
		"555", "order_update", "PAUSED", other_info={"title": "FIRST_PAUSE", "description": "Low quality"}
	)
	service.process(body(paused))
	service.process(body(paused))  # Meta redelivers: the users are not stopped twice
	assert store.rows[name]["status"] == "PAUSED"
	((template, reason),) = stops.calls
	assert template == name and "PAUSED" in reason and "FIRST_PAUSE; Low quality" in reason


def test_rejected_and_disabled_stop_too_and_unknown_templates_are_counted() -> None:
	store, stops = MemoryTemplateStore(), StopRecorder()
	store.add("promo", "en", "777")
	service = webhook(store, stops)
	service.process(body(webhook_payloads.template_status_change("777", "promo", "DISABLED", language="en")))
	result = service.process(body(webhook_payloads.template_status_change("999", "other", "PAUSED")))
	assert [call[0] for call in stops.calls] == ["promo-en"]
	assert result.template_updates_unmatched == 1


def test_quality_and_category_updates() -> None:
	store, stops = MemoryTemplateStore(), StopRecorder()
	name = store.add("promo", "en_US", "888")
	service = webhook(store, stops)
	service.process(
		body(
			webhook_payloads.template_change(
				"message_template_quality_update",
				"888",
				"promo",
				previous_quality_score="GREEN",
				new_quality_score="RED",
			),
			webhook_payloads.template_change(
				"template_category_update",
				"888",
				"promo",
				new_category="UTILITY",
				correct_category="MARKETING",
				category_update_timestamp=1764500000,
			),
		)
	)
	row = store.rows[name]
	assert row["quality_rating"] == "RED"
	assert row["category_change"] == "Meta will change the category to MARKETING on 2025-11-30 10:53 UTC."
	service.process(
		body(
			webhook_payloads.template_change(
				"template_category_update",
				"888",
				"promo",
				previous_category="UTILITY",
				new_category="MARKETING",
			)
		)
	)
	assert row["category"] == "MARKETING" and row["category_change"] == "" and stops.calls == []


def test_sync_status_goes_through_the_same_rule() -> None:
	store, stops = MemoryTemplateStore(), StopRecorder()
	service = TemplateStatusService(store, stop_users=stops)
	name = store.add("x", "en", "1")
	service.status_changed(store.find("1", None, None), "REJECTED", None)
	service.status_changed(store.find("1", None, None), "APPROVED", None)
	assert [call[0] for call in stops.calls] == [name]


def test_template_updates_without_a_handler_are_reported_as_ignored() -> None:
	result = WebhookService(MemoryWebhookRepository(), WhatsAppConfig()).process(
		body(webhook_payloads.template_status_change("1", "x", "APPROVED"))
	)
	assert result.ignored_fields == ["template status"] and result.template_updates == 0


def test_a_campaign_cannot_start_or_resume_with_a_blocked_template(
	fake_graph: FakeGraphApi, clock: Any
) -> None:
	harness = make_harness(fake_graph, clock)
	values = {"message_type": "template", "text": None, "template_name": "promo", "template_language": "en"}
	harness.campaign("CAMP-P", recipients=1, template_status="PAUSED", **values)
	with pytest.raises(InvalidCampaign, match="promo \\(en\\) is PAUSED at Meta and cannot be sent"):
		harness.service().start("CAMP-P")
	harness.campaign(
		"CAMP-R", recipients=1, template_status="REJECTED", status=CampaignStatus.PAUSED, **values
	)
	with pytest.raises(InvalidCampaign, match="is REJECTED at Meta"):
		harness.service().resume("CAMP-R")
	harness.campaign("CAMP-A", recipients=1, template_status="APPROVED", **values)
	assert harness.service().start("CAMP-A") == CampaignStatus.RUNNING
	assert fake_graph.message_requests() == []  # starting sends nothing by itself
