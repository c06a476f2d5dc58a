"""services/notifications.py with the real outbox (MessageService, in-memory repository) and the
fake Graph API: mapped template parameters, one message per occasion and recipient, opt-outs,
conditions, the 24 h window for free text, the PDF header and broken rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from conftest import ServiceHarness

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.message import Media
from whatsapp_integration.core.notification.events import event_occasion
from whatsapp_integration.core.notification.mapping import DocumentValues, ParameterMapping
from whatsapp_integration.core.notification.rule import Document, NotificationRule
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.services.notifications import NotificationService
from whatsapp_integration.testing.memory_notifications import MemoryNotificationSite

ADA = "+919876543210"
BOB = "+919876543211"
INVOICE = Document(
	"Sales Invoice",
	"SINV-00042",
	DocumentValues(
		{
			"name": "SINV-00042",
			"customer_name": "Ada",
			"grand_total": Decimal("1000.5"),
			"due_date": date(2026, 3, 4),
		},
		{"grand_total": "₹ 1,000.50"},
	),
)
RULE = NotificationRule(
	"WN-00001",
	"Sales Invoice",
	template="invoice_submitted",
	language="en_US",
	parameters=(
		ParameterMapping(1, expression="{{ customer_name }}"),
		ParameterMapping(2, field="grand_total"),
	),
)
SUBMIT = event_occasion("Submit", "2026-03-01 10:00:00.000001")


class Broken:
	def __init__(self) -> None:
		self.calls: list[tuple[str, str]] = []

	def __call__(self, rule: str, reason: str) -> None:
		self.calls.append((rule, reason))


def build(
	harness: ServiceHarness, site: MemoryNotificationSite, broken: Broken | None = None
) -> NotificationService:
	return NotificationService(site, harness.service, "IN", broken or Broken())


def sends(harness: ServiceHarness) -> list[dict]:
	return [request.body for request in harness.graph.message_requests()]


def test_a_template_goes_to_each_recipient_with_the_mapped_parameters(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	site = MemoryNotificationSite(
		recipients={RULE.name: [("field mobile_no", "98765 43210"), ("fixed", BOB)]}
	)
	result = build(harness, site).notify(RULE, INVOICE, SUBMIT)
	assert (result.sent, result.failed) == (2, 0)
	bodies = sends(harness)
	assert [body["to"] for body in bodies] == [ADA[1:], BOB[1:]]
	parameters = [p["text"] for p in bodies[0]["template"]["components"][0]["parameters"]]
	assert (bodies[0]["template"]["name"], parameters) == ("invoice_submitted", ["Ada", "₹ 1,000.50"])
	record = harness.repository.get_message(result.message_logs[0])
	assert (record.reference_doctype, record.reference_name) == ("Sales Invoice", "SINV-00042")
	assert record.idempotency_key.startswith("notification:WN-00001:")
	assert site.runs == [(RULE.name, result)]


def test_the_same_occasion_never_sends_twice_a_new_one_does(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	service = build(harness, MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA)]}))
	first = service.notify(RULE, INVOICE, SUBMIT)
	again = service.notify(RULE, INVOICE, SUBMIT)  # a re-run job, a worker restart
	assert len(sends(harness)) == 1
	assert again.message_logs == first.message_logs
	service.notify(RULE, INVOICE, event_occasion("Submit", "2026-03-01 10:05:00"))
	assert len(sends(harness)) == 2


def test_opted_out_numbers_get_nothing(make_service: Callable[..., ServiceHarness]) -> None:
	harness = make_service()
	harness.repository.add_opt_out(ADA, "STOP", "Keyword")
	site = MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA), ("fixed", BOB)]})
	result = build(harness, site).notify(RULE, INVOICE, SUBMIT)
	assert (result.sent, result.opted_out) == (1, 1)
	assert [body["to"] for body in sends(harness)] == [BOB[1:]]


def test_a_false_condition_sends_nothing(make_service: Callable[..., ServiceHarness]) -> None:
	harness = make_service()
	site = MemoryNotificationSite(
		recipients={RULE.name: [("fixed", ADA)]},
		conditions={RULE.name: lambda doc: doc["grand_total"] > 5000},
	)
	result = build(harness, site).notify(RULE, INVOICE, SUBMIT)
	assert (result.sent, result.failed, sends(harness)) == (0, 0, [])


def test_free_text_renders_in_the_sandbox_and_is_refused_when_the_window_is_closed(
	make_service: Callable[..., ServiceHarness],
) -> None:
	text_rule = NotificationRule(
		"WN-00002", "Sales Invoice", text="Hi {{ customer_name }}, {{ name }} is ready."
	)
	site = MemoryNotificationSite(recipients={text_rule.name: [("fixed", ADA)]})
	open_window = make_service()
	build(open_window, site).notify(text_rule, INVOICE, SUBMIT)
	assert sends(open_window)[0]["text"]["body"] == "Hi Ada, SINV-00042 is ready."
	open_window.graph.reset()
	closed = make_service(customers_wrote=False)
	result = build(closed, site).notify(text_rule, INVOICE, SUBMIT)
	assert (result.sent, result.failed, sends(closed)) == (0, 1, [])
	assert "template" in result.errors[0]


def test_the_pdf_header_goes_with_the_template(make_service: Callable[..., ServiceHarness]) -> None:
	harness = make_service()
	with_pdf = NotificationRule(**{**RULE.__dict__, "attach_print": True})
	site = MemoryNotificationSite(
		recipients={RULE.name: [("fixed", ADA)]},
		header_media=Media("document", media_id="4490709327384033", filename="SINV-00042.pdf"),
	)
	build(harness, site).notify(with_pdf, INVOICE, SUBMIT)
	header = sends(harness)[0]["template"]["components"][0]
	assert header["type"] == "header"
	document = header["parameters"][0]["document"]
	assert (document["id"], document["filename"]) == ("4490709327384033", "SINV-00042.pdf")
	assert site.headers_made == 1


def test_a_rule_meta_refuses_is_alerted_as_broken(make_service: Callable[..., ServiceHarness]) -> None:
	harness = make_service()
	harness.graph.fail_next(code=132001, message="(#132001) Template name does not exist in the translation")
	broken = Broken()
	result = build(harness, MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA)]}), broken).notify(
		RULE, INVOICE, SUBMIT
	)
	assert (result.sent, result.failed) == (0, 1)
	assert harness.repository.get_message(result.message_logs[0]).status == MessageStatus.FAILED
	assert [rule for rule, _ in broken.calls] == [RULE.name]


def test_a_message_that_cannot_be_made_sends_nothing_and_is_alerted(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	bad = NotificationRule(**{**RULE.__dict__, "parameters": (ParameterMapping(1, field="customer_phone"),)})
	broken = Broken()
	result = build(harness, MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA)]}), broken).notify(
		bad, INVOICE, SUBMIT
	)
	assert (result.failed, sends(harness)) == (1, [])
	assert "customer_phone" in broken.calls[0][1]


def test_a_transient_failure_is_queued_for_retry_not_alerted(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	harness.graph.fail_next(code=131000, http_status=500, message="Something went wrong")
	broken = Broken()
	result = build(harness, MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA)]}), broken).notify(
		RULE, INVOICE, SUBMIT
	)
	assert result.sent == 1  # in the outbox, retried there
	assert harness.repository.get_message(result.message_logs[0]).status == MessageStatus.QUEUED
	assert broken.calls == []


def test_a_date_run_messages_every_document_and_records_once(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	site = MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA)]})
	other = Document("Sales Invoice", "SINV-00043", INVOICE.values)
	result = build(harness, site).notify_many(RULE, [INVOICE, other], "day@2026-03-04")
	assert result.sent == 2
	assert len(site.runs) == 1


def test_a_preview_renders_without_sending(make_service: Callable[..., ServiceHarness]) -> None:
	harness = make_service()
	site = MemoryNotificationSite(recipients={RULE.name: [("fixed", ADA), ("user x", "")]})
	preview = build(harness, site).preview(RULE, INVOICE)
	assert (preview.condition, preview.numbers, preview.skipped) == (True, [ADA], ["user x: no number"])
	assert preview.content.template.parameters == ("Ada", "₹ 1,000.50")
	assert (sends(harness), site.runs, site.headers_made) == ([], [], 0)


def test_a_condition_that_cannot_be_evaluated_is_alerted_and_sends_nothing(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()

	def broken_condition(doc: dict) -> bool:
		raise InvalidMessage("The condition doc.total > 1 could not be evaluated: 'total' is not defined")

	broken = Broken()
	site = MemoryNotificationSite(
		recipients={RULE.name: [("fixed", ADA)]}, conditions={RULE.name: broken_condition}
	)
	result = build(harness, site, broken).notify(RULE, INVOICE, SUBMIT)
	assert (result.failed, sends(harness)) == (1, [])
	assert "could not be evaluated" in broken.calls[0][1]


def test_a_rerun_makes_no_pdf_and_renders_nothing_for_numbers_already_messaged(
	make_service: Callable[..., ServiceHarness],
) -> None:
	harness = make_service()
	with_pdf = NotificationRule(**{**RULE.__dict__, "attach_print": True})
	site = MemoryNotificationSite(
		recipients={RULE.name: [("fixed", ADA)]},
		header_media=Media("document", media_id="4490709327384033", filename="SINV-00042.pdf"),
		outbox_has=lambda key: harness.repository.find_by_idempotency_key(key) is not None,
	)
	service = build(harness, site)
	service.notify(with_pdf, INVOICE, "day@2026-03-04")
	service.notify(with_pdf, INVOICE, "day@2026-03-04")  # the next hourly run of the same day
	assert (len(sends(harness)), site.headers_made) == (1, 1)
	site.recipients[RULE.name].append(("fixed", BOB))  # a recipient added since: only they get it
	service.notify(with_pdf, INVOICE, "day@2026-03-04")
	assert ([body["to"] for body in sends(harness)], site.headers_made) == ([ADA[1:], BOB[1:]], 2)
