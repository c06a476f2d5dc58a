"""Template components and interactive messages against the fake Graph API: the payloads exactly
as Meta documents them, the checks before any request, and the outbox keeping them for retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ServiceHarness

from whatsapp_integration.core import request_content
from whatsapp_integration.core.errors import ErrorAction, InvalidMessage, SendFailed, WindowClosed
from whatsapp_integration.core.interactive import (
	Interactive,
	ListRow,
	ListSection,
	ReplyButton,
	check_interactive,
)
from whatsapp_integration.core.message import (
	Media,
	OutboundMessage,
	Parameter,
	Template,
	TemplateButton,
	check_template,
)
from whatsapp_integration.core.template_match import check_against
from whatsapp_integration.core.templates.components import template_variables
from whatsapp_integration.core.vocabulary import InteractiveKind, MessageStatus, MessageType
from whatsapp_integration.core.web.content import interactive_refused
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_template_catalog import MemoryTemplateCatalog

TO = "+919876543210"
CURRENCY = Parameter("$1,250.50", "total", kind="currency", currency_code="USD", amount_1000=1_250_500)
DUE = Parameter("March 3, 2026", "due", kind="date_time")
INVOICE_TEMPLATE = Template(
	"invoice_due",
	"en_US",
	(Parameter("Ada", "first_name"), CURRENCY, DUE),
	header_text=Parameter("INV-0042", "invoice"),
	buttons=(
		TemplateButton(0, "url", "INV-0042"),
		TemplateButton(1, "quick_reply", "PAID-INV-0042"),
		TemplateButton(2, "copy_code", "SAVE10"),
	),
)
INVOICE_COMPONENTS = [
	{"type": "HEADER", "format": "TEXT", "text": "Invoice {{invoice}}"},
	{"type": "BODY", "text": "Hi {{first_name}}, {{total}} is due on {{due}}."},
	{
		"type": "BUTTONS",
		"buttons": [
			{"type": "URL", "text": "Pay", "url": "https://pay.example/{{1}}"},
			{"type": "QUICK_REPLY", "text": "I paid"},
			{"type": "COPY_CODE", "example": "SAVE10"},
		],
	},
]
MENU = Interactive(
	InteractiveKind.LIST,
	"Which appointment suits you?",
	header_text="Appointments",
	footer="Reply STOP to opt out",
	button="Choose a slot",
	sections=(
		ListSection((ListRow("slot-mon-9", "Monday 9:00", "Dr. Rao, room 2"),), "Monday"),
		ListSection((ListRow("slot-tue-14", "Tuesday 14:00"),), "Tuesday"),
	),
)


def sent(harness: ServiceHarness) -> list[dict[str, Any]]:
	return [request.body for request in harness.graph.message_requests()]


class TestTemplatePayloads:
	def test_every_component_as_meta_documents_it(self, make_service: Callable[..., ServiceHarness]) -> None:
		harness = make_service()
		harness.service.send(OutboundMessage(TO, MessageType.TEMPLATE, template=INVOICE_TEMPLATE))
		(body,) = sent(harness)
		assert body["template"] == {
			"name": "invoice_due",
			"language": {"code": "en_US"},
			"components": [
				{
					"type": "header",
					"parameters": [{"type": "text", "parameter_name": "invoice", "text": "INV-0042"}],
				},
				{
					"type": "body",
					"parameters": [
						{"type": "text", "parameter_name": "first_name", "text": "Ada"},
						{
							"type": "currency",
							"parameter_name": "total",
							"currency": {
								"fallback_value": "$1,250.50",
								"code": "USD",
								"amount_1000": 1_250_500,
							},
						},
						{
							"type": "date_time",
							"parameter_name": "due",
							"date_time": {"fallback_value": "March 3, 2026"},
						},
					],
				},
				{
					"type": "button",
					"sub_type": "url",
					"index": "0",
					"parameters": [{"type": "text", "text": "INV-0042"}],
				},
				{
					"type": "button",
					"sub_type": "quick_reply",
					"index": "1",
					"parameters": [{"type": "payload", "payload": "PAID-INV-0042"}],
				},
				{
					"type": "button",
					"sub_type": "copy_code",
					"index": "2",
					"parameters": [{"type": "coupon_code", "coupon_code": "SAVE10"}],
				},
			],
		}

	def test_positional_strings_still_send_as_before(
		self, make_service: Callable[..., ServiceHarness]
	) -> None:
		harness = make_service()
		record = harness.service.send(
			OutboundMessage(
				TO, MessageType.TEMPLATE, template=Template("order_update", "en", ("Ada", "SO-1"))
			)
		)
		(body,) = sent(harness)
		assert body["template"]["components"] == [
			{
				"type": "body",
				"parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "SO-1"}],
			}
		]
		assert (record.template_params, record.rich_content) == (["Ada", "SO-1"], None)

	def test_a_retry_sends_the_same_components(self, make_service: Callable[..., ServiceHarness]) -> None:
		harness = make_service()
		harness.graph.fail_next(None, http_status=503, message="unavailable")
		record = harness.service.send(OutboundMessage(TO, MessageType.TEMPLATE, template=INVOICE_TEMPLATE))
		assert record.status == MessageStatus.QUEUED
		assert record.template_params == ["Ada", "$1,250.50", "March 3, 2026"]
		harness.clock.advance(3600)
		assert harness.service.retry_due() == 1
		first, second = sent(harness)
		assert first == second


class TestTemplateRules:
	@pytest.mark.parametrize(
		("template", "says"),
		[
			(Template("t", "en", (Parameter("a", "x"), "b")), "all named or all numbered"),
			(Template("t", "en", (Parameter("9", kind="currency", amount_1000=9000),)), "ISO 4217"),
			(Template("t", "en", (Parameter("$9", kind="currency", currency_code="USD"),)), "times 1000"),
			(Template("t", "en", (Parameter("x", kind="number"),)), "has type 'number'"),
			(Template("t", "en", buttons=(TemplateButton(0, "copy_code", "A" * 16),)), "longer than 15"),
			(
				Template("t", "en", buttons=(TemplateButton(0, "url", "a"), TemplateButton(0, "url", "b"))),
				"same index",
			),
			(Template("t", "en", buttons=(TemplateButton(0, "call", "a"),)), "use one of url"),
			(Template("t", "en", header_text="x" * 61), "longer than 60"),
			(
				Template(
					"t", "en", header_text="x", header_media=Media("image", link="https://x.example/a.png")
				),
				"text or media, not both",
			),
			(
				Template("t", "en", header_media=Media("audio", link="https://x.example/a.mp3")),
				"'audio' is not a media type",
			),
		],
	)
	def test_refused_with_what_to_fix(self, template: Template, says: str) -> None:
		with pytest.raises(InvalidMessage, match=says):
			check_template(template)

	def test_a_named_template_matches_its_components(self) -> None:
		assert check_against(INVOICE_TEMPLATE, template_variables(INVOICE_COMPONENTS)) is INVOICE_TEMPLATE

	@pytest.mark.parametrize(
		("template", "says"),
		[
			(Template("invoice_due", "en_US", ("Ada",)), "has 3 body variable"),
			(
				Template("invoice_due", "en_US", (Parameter("Ada", "name"), CURRENCY, DUE), header_text="I"),
				"give a parameter for each by name",
			),
			(
				Template(
					"invoice_due", "en_US", INVOICE_TEMPLATE.parameters, buttons=INVOICE_TEMPLATE.buttons
				),
				"header has a variable",
			),
			(
				Template(
					"invoice_due",
					"en_US",
					INVOICE_TEMPLATE.parameters,
					header_text="I",
					buttons=INVOICE_TEMPLATE.buttons[1:],
				),
				"needs its URL suffix",
			),
			(
				Template(
					"invoice_due",
					"en_US",
					INVOICE_TEMPLATE.parameters,
					header_text="I",
					buttons=(
						TemplateButton(1, "url", "x"),
						TemplateButton(0, "url", "y"),
						TemplateButton(2, "copy_code", "C"),
					),
				),
				"quick_reply button at position 2",
			),
		],
	)
	def test_a_mismatch_with_the_stored_template_is_named(self, template: Template, says: str) -> None:
		with pytest.raises(InvalidMessage, match=says):
			check_against(template, template_variables(INVOICE_COMPONENTS))

	def test_a_document_header_template_needs_its_document(self) -> None:
		components = [
			{"type": "HEADER", "format": "DOCUMENT"},
			{"type": "BODY", "text": "Your invoice {{1}}"},
		]
		with pytest.raises(InvalidMessage, match=r"media header \(document\): give the document"):
			check_against(Template("invoice", "en", ("INV-1",)), template_variables(components))
		header = Media("document", file_url="/private/files/INV-1.pdf")
		check_against(
			Template("invoice", "en", ("INV-1",), header_media=header), template_variables(components)
		)

	def test_the_outbox_refuses_a_mismatch_before_anything_is_stored(
		self, make_service: Callable[..., ServiceHarness]
	) -> None:
		harness = make_service()
		catalog = MemoryTemplateCatalog()
		catalog.add("invoice_due", "en_US", INVOICE_COMPONENTS)
		harness.service.templates = catalog
		with pytest.raises(InvalidMessage, match="has 3 body variable"):
			harness.service.send(
				OutboundMessage(TO, MessageType.TEMPLATE, template=Template("invoice_due", "en_US", ("Ada",)))
			)
		assert harness.graph.requests == []
		harness.service.send(OutboundMessage(TO, MessageType.TEMPLATE, template=INVOICE_TEMPLATE))
		assert len(sent(harness)) == 1


class TestInteractivePayloads:
	def test_reply_buttons(self, make_service: Callable[..., ServiceHarness]) -> None:
		harness = make_service()
		message = Interactive(
			InteractiveKind.BUTTON,
			"Confirm your order SO-1?",
			footer="Shop",
			buttons=(ReplyButton("confirm-SO-1", "Confirm"), ReplyButton("cancel-SO-1", "Cancel")),
		)
		harness.service.send(OutboundMessage(TO, MessageType.INTERACTIVE, interactive=message))
		(body,) = sent(harness)
		assert body["type"] == "interactive"
		assert body["interactive"] == {
			"type": "button",
			"body": {"text": "Confirm your order SO-1?"},
			"footer": {"text": "Shop"},
			"action": {
				"buttons": [
					{"type": "reply", "reply": {"id": "confirm-SO-1", "title": "Confirm"}},
					{"type": "reply", "reply": {"id": "cancel-SO-1", "title": "Cancel"}},
				]
			},
		}

	def test_a_list_and_its_retry(self, make_service: Callable[..., ServiceHarness]) -> None:
		harness = make_service()
		harness.graph.fail_next(None, http_status=503, message="unavailable")
		record = harness.service.send(OutboundMessage(TO, MessageType.INTERACTIVE, interactive=MENU))
		assert (record.status, record.text) == (MessageStatus.QUEUED, "Which appointment suits you?")
		harness.clock.advance(3600)
		harness.service.retry_due()
		first, second = sent(harness)
		assert first == second
		assert second["interactive"] == {
			"type": "list",
			"header": {"type": "text", "text": "Appointments"},
			"body": {"text": "Which appointment suits you?"},
			"footer": {"text": "Reply STOP to opt out"},
			"action": {
				"button": "Choose a slot",
				"sections": [
					{
						"title": "Monday",
						"rows": [
							{"id": "slot-mon-9", "title": "Monday 9:00", "description": "Dr. Rao, room 2"}
						],
					},
					{"title": "Tuesday", "rows": [{"id": "slot-tue-14", "title": "Tuesday 14:00"}]},
				],
			},
		}

	def test_a_cta_url_with_an_image_header(self, make_service: Callable[..., ServiceHarness]) -> None:
		harness = make_service()
		message = Interactive(
			InteractiveKind.CTA_URL,
			"Track your parcel",
			header_media=Media("image", link="https://cdn.example/parcel.png", caption="dropped"),
			display_text="Track",
			url="https://track.example/SO-1",
		)
		harness.service.send(OutboundMessage(TO, MessageType.INTERACTIVE, interactive=message))
		assert sent(harness)[0]["interactive"] == {
			"type": "cta_url",
			"header": {"type": "image", "image": {"link": "https://cdn.example/parcel.png"}},
			"body": {"text": "Track your parcel"},
			"action": {
				"name": "cta_url",
				"parameters": {"display_text": "Track", "url": "https://track.example/SO-1"},
			},
		}

	def test_the_window_rule_applies_before_any_request(
		self, make_service: Callable[..., ServiceHarness]
	) -> None:
		harness = make_service(customers_wrote=False)
		with pytest.raises(WindowClosed):
			harness.service.send(OutboundMessage(TO, MessageType.INTERACTIVE, interactive=MENU))
		assert harness.graph.requests == []

	def test_a_web_device_refuses_interactive_messages(self) -> None:
		refused = interactive_refused()
		assert isinstance(refused, SendFailed) and refused.action is ErrorAction.FIX_INPUT


def buttons(count: int, title: str = "Yes") -> tuple[ReplyButton, ...]:
	return tuple(ReplyButton(f"b{number}", f"{title}{number}"[:25]) for number in range(count))


def rows(count: int, prefix: str = "r", **values: Any) -> tuple[ListRow, ...]:
	title, description = values.get("title"), values.get("description")
	return tuple(ListRow(f"{prefix}{n}", title or f"Row {n}", description) for n in range(count))


class TestInteractiveLimits:
	@pytest.mark.parametrize(
		("message", "says"),
		[
			(Interactive("carousel", "x"), "'carousel' is not an interactive message type"),
			(Interactive("button", "Pick", buttons=buttons(4)), "1 to 3 buttons, not 4"),
			(
				Interactive("button", "Pick", buttons=(ReplyButton("a", "x" * 21),)),
				"Button 1's title has 21 characters",
			),
			(
				Interactive("button", "Pick", buttons=(ReplyButton("a", "Yes"), ReplyButton("a", "No"))),
				"'a' appears twice",
			),
			(Interactive("button", " ", buttons=buttons(1)), "The body is empty"),
			(Interactive("button", "x" * 1025, buttons=buttons(1)), "at most 1024"),
			(Interactive("button", "Pick", footer="f" * 61, buttons=buttons(1)), "The footer has 61"),
			(
				Interactive("list", "Pick", button="b" * 21, sections=(ListSection(rows(1)),)),
				"list's button has 21",
			),
			(Interactive("list", "Pick", button="Go", sections=(ListSection(rows(11)),)), "1 to 10 rows"),
			(
				Interactive(
					"list",
					"Pick",
					button="Go",
					sections=tuple(ListSection(rows(1), f"S{n}") for n in range(11)),
				),
				"1 to 10 sections",
			),
			(
				Interactive("list", "Pick", button="Go", sections=(ListSection(rows(1, title="t" * 25)),)),
				"Row 1's title has 25",
			),
			(
				Interactive(
					"list", "Pick", button="Go", sections=(ListSection(rows(1, description="d" * 73)),)
				),
				"description has 73",
			),
			(
				Interactive(
					"list", "Pick", button="Go", sections=(ListSection(rows(1)), ListSection(rows(1)))
				),
				"Section 1's title is empty",
			),
			(
				Interactive(
					"list",
					"Pick",
					button="Go",
					sections=(ListSection(rows(1)),),
					header_media=Media("image", link="https://x.example/a.png"),
				),
				"text header only",
			),
			(Interactive("cta_url", "Go", display_text="Open", url="javascript:alert(1)"), "must be an http"),
			(
				Interactive("cta_url", "Go", display_text="d" * 21, url="https://x.example"),
				"button text has 21",
			),
		],
	)
	def test_refused_with_what_to_fix(self, message: Interactive, says: str) -> None:
		with pytest.raises(InvalidMessage, match=says):
			check_interactive(message)

	def test_the_limits_themselves_pass(self) -> None:
		check_interactive(Interactive("button", "x" * 1024, buttons=buttons(3, "t" * 18)))
		sections = tuple(
			ListSection(rows(1, f"s{n}-", title="t" * 24, description="d" * 72), "s" * 24) for n in range(10)
		)
		check_interactive(Interactive("list", "x" * 4096, button="b" * 20, sections=sections))


class TestRequestContent:
	"""What the send API, the dialog and campaigns pass (decoded JSON) becomes the core's records."""

	def test_parameters_as_values_objects_or_named(self) -> None:
		assert request_content.parameters_from(["Ada", 42]) == ("Ada", Parameter("42"))
		assert request_content.parameters_from({"first_name": "Ada"}) == (Parameter("Ada", "first_name"),)
		total = {
			"name": "total",
			"type": "currency",
			"text": "$9.50",
			"currency_code": "USD",
			"amount_1000": 9500,
		}
		assert request_content.parameters_from([total]) == (
			Parameter("$9.50", "total", "currency", "USD", 9500),
		)
		with pytest.raises(InvalidMessage, match="must be a list"):
			request_content.parameters_from("Ada")

	def test_header_text_or_media(self) -> None:
		assert request_content.header_from({"text": "INV-1"}) == (None, Parameter("INV-1"))
		media, text = request_content.header_from({"type": "document", "file_url": "/files/a.pdf"})
		assert (media, text) == (Media("document", file_url="/files/a.pdf"), None)
		with pytest.raises(InvalidMessage, match="needs a type"):
			request_content.header_from({"file_url": "/files/a.pdf"})

	def test_buttons(self) -> None:
		assert request_content.buttons_from([{"index": "0", "sub_type": "url", "value": "INV-1"}]) == (
			TemplateButton(0, "url", "INV-1"),
		)
		with pytest.raises(InvalidMessage, match="Template buttons must be a list"):
			request_content.buttons_from({"index": 0})

	def test_an_interactive_list_from_json(self) -> None:
		values = {
			"type": "list",
			"header": "Appointments",
			"body": "Which appointment suits you?",
			"footer": "Reply STOP to opt out",
			"button": "Choose a slot",
			"sections": [
				{
					"title": "Monday",
					"rows": [{"id": "slot-mon-9", "title": "Monday 9:00", "description": "Dr. Rao, room 2"}],
				},
				{"title": "Tuesday", "rows": [{"id": "slot-tue-14", "title": "Tuesday 14:00"}]},
			],
		}
		assert request_content.interactive_from(values) == MENU
		with pytest.raises(InvalidMessage, match="sections must be a list"):
			request_content.interactive_from({**values, "sections": "Monday"})
