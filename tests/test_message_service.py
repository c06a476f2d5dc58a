"""services/message_service.py end to end: MemoryRepository, the fake Graph API, a fake clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from conftest import ServiceHarness, make_device

from whatsapp_integration.core.errors import (
	DeviceNotFound,
	DeviceUnavailable,
	InvalidMessage,
	InvalidPhoneNumber,
	RateLimited,
	RecipientOptedOut,
)
from whatsapp_integration.core.message import Media, OutboundMessage, Template
from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.core.vocabulary import MessageStatus

TO = "+919876543210"
MakeService = Callable[..., ServiceHarness]


def text(body: str = "Your order SO-0001 has shipped", **fields: Any) -> OutboundMessage:
	return OutboundMessage(to=fields.pop("to", TO), text=body, **fields)


def sent_bodies(harness: ServiceHarness) -> list[dict[str, Any]]:
	return [request.body for request in harness.graph.message_requests()]


def stored(harness: ServiceHarness, record: MessageRecord) -> MessageRecord:
	return harness.repository.get_message(record.name or "")


class TestSent:
	def test_text_is_sent_and_logged(self, make_service: MakeService) -> None:
		harness = make_service()
		record = harness.service.send(
			text(
				"<p>Hi <b>Ana</b></p>",
				to="+91 98765 43210",
				reference_doctype="Sales Order",
				reference_name="SO-0001",
				requested_by="ana@example.com",
				callback_data="so:SO-0001",
			)
		)
		(body,) = sent_bodies(harness)
		assert body["to"] == "919876543210" and body["text"]["body"] == "Hi *Ana*"
		assert body["biz_opaque_callback_data"] == "so:SO-0001"
		assert record.status == MessageStatus.SENT and record.wamid and record.wamid.startswith("wamid.")
		assert (record.attempts, record.sent_at, record.next_attempt_at) == (1, harness.clock.now(), None)
		assert (record.to_number, record.text, record.device) == (TO, "Hi *Ana*", harness.device.name)
		assert (record.reference_doctype, record.reference_name) == ("Sales Order", "SO-0001")
		assert record.from_number == harness.device.phone_number
		assert [event.status for event in record.events] == [MessageStatus.SENT]
		assert stored(harness, record) == record
		assert harness.repository.find_by_wamid(record.wamid) == record

	def test_template_is_sent_with_its_parameters(self, make_service: MakeService) -> None:
		harness = make_service()
		template = Template("order_update", "en_US", ("Ana", "SO-0001"))
		record = harness.service.send(OutboundMessage(to=TO, message_type="template", template=template))
		(body,) = sent_bodies(harness)
		assert body["template"]["name"] == "order_update"
		assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == ["Ana", "SO-0001"]
		assert (record.status, record.template_name, record.template_language) == (
			MessageStatus.SENT,
			"order_update",
			"en_US",
		)
		assert stored(harness, record).template_params == ["Ana", "SO-0001"]

	def test_document_is_sent_by_link(self, make_service: MakeService) -> None:
		harness = make_service()
		media = Media("document", "https://files.example/INV-1.pdf", "Your invoice", "INV-1.pdf")
		record = harness.service.send(OutboundMessage(to=TO, message_type="document", media=media))
		(body,) = sent_bodies(harness)
		assert body["document"] == {
			"link": "https://files.example/INV-1.pdf",
			"caption": "Your invoice",
			"filename": "INV-1.pdf",
		}
		assert (record.media_link, record.media_caption, record.media_filename) == (
			media.link,
			media.caption,
			media.filename,
		)

	def test_national_number_uses_the_default_country(self, make_service: MakeService) -> None:
		harness = make_service(default_country="IN")
		assert harness.service.send(text(to="98765 43210")).to_number == TO

	def test_named_device_is_used(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.repository.add_device(make_device("Support", phone_number_id="222333444"))
		record = harness.service.send(text(device="Support"))
		assert record.device == "Support"
		assert harness.graph.message_requests()[0].path == "/v21.0/222333444/messages"


class TestRefusedBeforeSending:
	@pytest.mark.parametrize(
		("message", "error"),
		[
			(text(to="12345"), InvalidPhoneNumber),
			(text(to="+44 20 7123 4567"), InvalidPhoneNumber),
			(text(""), InvalidMessage),
			(text("x" * 4097), InvalidMessage),
			(OutboundMessage(to=TO, message_type="sms", text="hi"), InvalidMessage),
			(
				OutboundMessage(to=TO, message_type="template", template=Template("promo", "en", ("",))),
				InvalidMessage,
			),
			(OutboundMessage(to=TO, message_type="image", media=None), InvalidMessage),
			(text(idempotency_key="k" * 141), InvalidMessage),
			(text(device="Nope"), DeviceNotFound),
		],
	)
	def test_nothing_is_sent_or_logged(
		self, make_service: MakeService, message: OutboundMessage, error: type
	) -> None:
		harness = make_service()
		with pytest.raises(error):
			harness.service.send(message)
		assert harness.graph.message_requests() == []
		assert (
			harness.repository.claim_due_retries(
				harness.clock.now() + timedelta(days=1), harness.clock.now(), 10
			)
			== []
		)

	def test_blocked_phrase_from_settings(self, make_service: MakeService) -> None:
		harness = make_service(blocked_phrases=("free money",))
		with pytest.raises(InvalidMessage, match="'free money'"):
			harness.service.send(text("Win FREE MONEY today"))

	def test_disabled_device(self, make_service: MakeService) -> None:
		harness = make_service(device=make_device(enabled=False))
		with pytest.raises(DeviceUnavailable, match="is disabled"):
			harness.service.send(text())
		assert harness.graph.message_requests() == []


class TestFailures:
	def test_retryable_failure_stays_queued_with_its_next_attempt(self, make_service: MakeService) -> None:
		harness = make_service(retry_backoff_seconds=30)
		harness.graph.fail_next(131000, 500, message="(#131000) Something went wrong")
		record = harness.service.send(text())
		assert record.status == MessageStatus.QUEUED
		assert record.attempts == 1
		assert record.next_attempt_at == harness.clock.now() + timedelta(seconds=30)
		assert (record.error_code, record.error_action) == (131000, "retry")
		assert record.error_title == "(#131000) Something went wrong"
		assert record.error_reason == "(#131000) Something went wrong (Meta error 131000)"
		assert record.wamid is None and record.sent_at is None
		assert stored(harness, record) == record

	def test_timeout_is_retryable(self, make_service: MakeService) -> None:
		harness = make_service(request_timeout=0.3)
		harness.graph.fail_next(None, 500, delay=1.5)
		record = harness.service.send(text())
		assert (record.status, record.attempts, record.error_action, record.error_code) == (
			MessageStatus.QUEUED,
			1,
			"retry",
			None,
		)
		assert "did not answer within 0.3 seconds" in (record.error_reason or "")

	def test_pair_rate_waits_for_that_recipient(self, make_service: MakeService) -> None:
		harness = make_service(pair_rate_seconds=6)
		harness.graph.fail_next(131056, 400)
		record = harness.service.send(text())
		assert (record.status, record.error_action) == (MessageStatus.QUEUED, "pair_rate")
		assert record.next_attempt_at == harness.clock.now() + timedelta(seconds=9)

	def test_permanent_failure_is_failed_with_code_action_and_reason(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(
			132001, 404, message="(#132001) Template name does not exist in the translation"
		)
		record = harness.service.send(
			OutboundMessage(to=TO, message_type="template", template=Template("promo"))
		)
		assert record.status == MessageStatus.FAILED
		assert (record.error_code, record.error_action, record.attempts) == (132001, "fix_input", 1)
		assert record.error_title == "(#132001) Template name does not exist in the translation"
		assert record.error_reason.startswith("The template does not exist in this language")
		assert record.next_attempt_at is None
		assert [(event.status, event.error_code) for event in stored(harness, record).events] == [
			(MessageStatus.FAILED, 132001)
		]

	def test_metas_subcode_trace_id_and_transient_flag_are_logged(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131026, subcode=2494010, is_transient=True, fbtrace_id="AbC-trace_1")
		record = harness.service.send(OutboundMessage(to=TO, text="Hello"))
		assert (record.error_subcode, record.fbtrace_id, record.error_is_transient) == (
			2494010,
			"AbC-trace_1",
			True,
		)
		logged = stored(harness, record)
		assert (logged.error_subcode, logged.fbtrace_id, logged.error_is_transient) == (
			2494010,
			"AbC-trace_1",
			True,
		)

	def test_needs_template_is_never_retried(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131047, 400)
		record = harness.service.send(text())
		assert (record.status, record.error_action) == (MessageStatus.FAILED, "needs_template")
		assert "Send an approved template instead" in record.error_reason

	def test_expired_token_stops(self, make_service: MakeService) -> None:
		harness = make_service(access_token="EAAG-expired")
		record = harness.service.send(text())
		assert (record.status, record.error_code, record.error_action) == (MessageStatus.FAILED, 190, "stop")
		assert "EAAG-expired" not in (record.error_reason or "") + (record.error_title or "")

	def test_user_stopped_marketing_adds_an_opt_out(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131050, 400)
		record = harness.service.send(text())
		assert (record.status, record.error_action) == (MessageStatus.FAILED, "suppress")
		assert harness.repository.is_opted_out(TO)
		with pytest.raises(RecipientOptedOut):
			harness.service.send(text("second try"))
		assert len(harness.graph.message_requests()) == 1

	def test_opted_out_recipient_is_refused_before_anything_is_logged(
		self, make_service: MakeService
	) -> None:
		harness = make_service()
		harness.repository.add_opt_out(TO, "replied STOP", "Webhook")
		with pytest.raises(RecipientOptedOut) as caught:
			harness.service.send(text(idempotency_key="opted-out-1"))
		assert TO in str(caught.value) and "WhatsApp Opt Out" in str(caught.value)
		assert harness.repository.find_by_idempotency_key("opted-out-1") is None
		assert harness.graph.message_requests() == []
		harness.repository.remove_opt_out(TO)
		assert harness.service.send(text()).status == MessageStatus.SENT


class TestIdempotency:
	def test_same_key_is_sent_once(self, make_service: MakeService) -> None:
		harness = make_service()
		first = harness.service.send(text(idempotency_key="SO-0001-shipped"))
		second = harness.service.send(text("a different text", idempotency_key="SO-0001-shipped"))
		assert second == first
		assert len(harness.graph.message_requests()) == 1

	def test_same_key_after_a_failure_returns_the_failed_row(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131047, 400)
		failed = harness.service.send(text(idempotency_key="k-1"))
		assert harness.service.send(text(idempotency_key="k-1")) == failed
		assert len(harness.graph.message_requests()) == 1

	def test_a_key_is_scoped_to_its_caller(self, make_service: MakeService) -> None:
		"""Bob sending with Ana's key sends his own message; he never gets Ana's row back."""
		harness = make_service()
		ana = harness.service.send(text("for Ana", requested_by="ana@example.com", idempotency_key="SO-1"))
		bob = harness.service.send(text("for Bob", requested_by="bob@example.com", idempotency_key="SO-1"))
		assert bob.name != ana.name and bob.text == "for Bob"
		again = harness.service.send(text("again", requested_by="ana@example.com", idempotency_key="SO-1"))
		assert again == ana
		assert len(harness.graph.message_requests()) == 2
		assert harness.repository.find_by_idempotency_key("SO-1") is None

	@pytest.mark.parametrize("requested_by", ["ana@example.com", None])
	def test_campaign_prefix_is_reserved(self, make_service: MakeService, requested_by: str | None) -> None:
		harness = make_service()
		with pytest.raises(InvalidMessage, match="reserved for campaigns"):
			harness.service.send(text(requested_by=requested_by, idempotency_key="campaign:C-1:r1:1"))
		assert harness.graph.message_requests() == []

	def test_without_a_key_each_send_gets_its_own(self, make_service: MakeService) -> None:
		harness = make_service()
		first, second = harness.service.send(text()), harness.service.send(text())
		assert (
			first.idempotency_key
			and second.idempotency_key
			and first.idempotency_key != second.idempotency_key
		)
		assert len(harness.graph.message_requests()) == 2

	def test_eight_threads_racing_with_one_key_send_once(self, make_service: MakeService) -> None:
		harness = make_service()
		results: list[MessageRecord] = []
		errors: list[BaseException] = []
		start = threading.Barrier(8)

		def send() -> None:
			start.wait()
			try:
				results.append(harness.service.send(text(idempotency_key="race-1")))
			except BaseException as error:
				errors.append(error)

		threads = [threading.Thread(target=send) for _ in range(8)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join()
		assert errors == []
		assert len(harness.graph.message_requests()) == 1
		assert len({record.name for record in results}) == 1 and len(results) == 8
		assert harness.repository.find_by_idempotency_key("race-1").status == MessageStatus.SENT


class TestLimits:
	def test_per_user_budget(self, make_service: MakeService) -> None:
		harness = make_service(user_send_limit_per_minute=2)
		for n in range(2):
			harness.service.send(text(f"m{n}", requested_by="ana@example.com"))
		with pytest.raises(RateLimited) as caught:
			harness.service.send(text("m3", requested_by="ana@example.com", idempotency_key="over-budget"))
		assert caught.value.retry_after == pytest.approx(30)
		assert "your WhatsApp sends" in str(caught.value)
		assert harness.repository.find_by_idempotency_key("over-budget") is None
		assert (
			harness.service.send(text("other user", requested_by="bob@example.com")).status
			== MessageStatus.SENT
		)
		harness.clock.advance(30)
		assert harness.service.send(text("m4", requested_by="ana@example.com")).status == MessageStatus.SENT
		assert len(harness.graph.message_requests()) == 4

	def test_sends_without_a_user_are_not_charged(self, make_service: MakeService) -> None:
		harness = make_service(user_send_limit_per_minute=1)
		assert [harness.service.send(text(f"{n}")).status for n in range(3)] == [MessageStatus.SENT] * 3

	def test_device_pacing_sleeps_within_the_allowed_wait(self, make_service: MakeService) -> None:
		harness = make_service(send_rate_per_second=1, send_burst=2)
		records = [harness.service.send(text(f"{n}")) for n in range(3)]
		assert [record.status for record in records] == [MessageStatus.SENT] * 3
		assert harness.clock.sleeps == [pytest.approx(1.0)]

	def test_device_pacing_queues_when_the_wait_is_too_long(self, make_service: MakeService) -> None:
		harness = make_service(send_rate_per_second=0.5, send_burst=1)
		harness.service.send(text("first"))
		record = harness.service.send(text("second"))
		assert (record.status, record.attempts, record.error_action) == (MessageStatus.QUEUED, 0, "throttle")
		assert record.next_attempt_at == harness.clock.now() + timedelta(seconds=2)
		assert "device Main Number" in record.error_reason
		assert len(harness.graph.message_requests()) == 1
		harness.clock.advance(2)
		assert harness.service.retry_due() == 1
		assert stored(harness, record).status == MessageStatus.SENT

	def test_daily_cap_counts_todays_outbound_messages(self, make_service: MakeService) -> None:
		harness = make_service(device=make_device(daily_cap=2))
		harness.graph.fail_next(131047, 400)
		assert harness.service.send(text("fails, does not count")).status == MessageStatus.FAILED
		harness.service.send(text("1"))
		harness.service.send(text("2"))
		with pytest.raises(DeviceUnavailable) as caught:
			harness.service.send(text("3"))
		assert str(caught.value) == (
			"Device Main Number has sent its daily cap of 2 messages today. Raise the cap on the device or send tomorrow."
		)
		harness.clock.advance(24 * 3600)
		assert harness.service.send(text("next day")).status == MessageStatus.SENT


class TestRetryDue:
	def test_due_rows_are_sent_again(self, make_service: MakeService) -> None:
		harness = make_service(retry_backoff_seconds=30)
		harness.graph.fail_next(131000, 500)
		record = harness.service.send(text())
		assert harness.service.retry_due() == 0
		harness.clock.advance(29)
		assert harness.service.retry_due() == 0
		harness.clock.advance(1)
		assert harness.service.retry_due() == 1
		again = stored(harness, record)
		assert (again.status, again.attempts, again.next_attempt_at) == (MessageStatus.SENT, 2, None)
		assert again.wamid and again.sent_at == harness.clock.now()
		assert [event.status for event in again.events] == [MessageStatus.QUEUED, MessageStatus.SENT]
		assert [body["text"]["body"] for body in sent_bodies(harness)] == [record.text, record.text]
		assert harness.service.retry_due() == 0

	def test_backoff_grows_and_max_attempts_end_in_failure(self, make_service: MakeService) -> None:
		harness = make_service(max_retry_attempts=3, retry_backoff_seconds=10)
		harness.graph.fail_next(131016, 503, times=10)
		record = harness.service.send(text())
		waits = []
		for _ in range(2):
			current = stored(harness, record)
			waits.append((current.next_attempt_at - harness.clock.now()).total_seconds())
			harness.clock.advance(waits[-1])
			assert harness.service.retry_due() == 1
		final = stored(harness, record)
		assert waits == [10, 20]
		assert (final.status, final.attempts, final.error_code) == (MessageStatus.FAILED, 3, 131016)
		harness.clock.advance(3600)
		assert harness.service.retry_due() == 0
		assert len(harness.graph.message_requests()) == 3

	def test_defer_gets_one_late_retry(self, make_service: MakeService) -> None:
		harness = make_service(retry_backoff_max_seconds=600)
		harness.graph.fail_next(131026, 400, times=2)
		record = harness.service.send(text())
		assert (record.status, record.error_action) == (MessageStatus.QUEUED, "defer")
		harness.clock.advance(600)
		assert harness.service.retry_due() == 1
		assert stored(harness, record).status == MessageStatus.FAILED

	def test_claimed_rows_are_leased(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131000, 500)
		record = harness.service.send(text())
		harness.clock.advance(3600)
		now = harness.clock.now()
		claimed = harness.repository.claim_due_retries(now, now + timedelta(minutes=5), 10)
		assert [row.name for row in claimed] == [record.name]
		assert harness.service.retry_due() == 0
		harness.clock.advance(301)
		assert harness.service.retry_due() == 1

	def test_limit_caps_one_run(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131000, 500, times=3)
		for n in range(3):
			harness.service.send(text(f"{n}"))
		harness.clock.advance(3600)
		assert harness.service.retry_due(limit=2) == 2
		assert harness.service.retry_due(limit=2) == 1

	def test_a_row_whose_device_was_disabled_fails_with_the_reason(self, make_service: MakeService) -> None:
		harness = make_service()
		harness.graph.fail_next(131000, 500)
		record = harness.service.send(text())
		harness.repository.add_device(make_device(enabled=False))
		harness.clock.advance(3600)
		assert harness.service.retry_due() == 1
		final = stored(harness, record)
		assert final.status == MessageStatus.FAILED and "is disabled" in final.error_reason
		assert final.attempts == 1
		assert len(harness.graph.message_requests()) == 1
