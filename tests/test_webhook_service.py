"""WebhookService on the in-memory repository: idempotent, complete, racing redeliveries stored once."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import InvalidWebhookPayload
from whatsapp_integration.core.status import apply_event
from whatsapp_integration.core.vocabulary import MessageStatus
from whatsapp_integration.core.webhook import verify_signature
from whatsapp_integration.core.webhook_records import ContactLink
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

FIXTURES = Path(__file__).parent / "fixtures" / "webhooks"
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.body"))
DEVICE = DeviceProfile("Shop", phone_number_id=payloads.PHONE_NUMBER_ID, phone_number="+15557654321")
OUTBOUND = ("wamid.T-out1", "wamid.T-out2", "wamid.T-out3", "wamid.T-out9")


def build(config: WhatsAppConfig | None = None) -> tuple[WebhookService, MemoryWebhookRepository]:
	repository = MemoryWebhookRepository([DEVICE])
	for wamid in OUTBOUND:
		repository.add_outbound(wamid, MessageStatus.SENT)
	return WebhookService(repository, config or WhatsAppConfig()), repository


def fixture(name: str) -> tuple[bytes, dict[str, Any]]:
	return (FIXTURES / f"{name}.body").read_bytes(), json.loads(
		(FIXTURES / f"{name}.expect.json").read_text()
	)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_end_state(name: str) -> None:
	service, repository = build()
	raw, expect = fixture(name)
	result = service.process(raw)
	assert sorted(repository.inbound) == sorted(expect["inbound"])
	for wamid, status in expect["statuses"].items():
		assert repository.outbound[wamid].status.lower() == status
	for wamid, code in expect.get("error_codes", {}).items():
		stored = repository.inbound.get(wamid) or repository.outbound[wamid]
		assert stored.error_code == code
	assert sorted(repository.opt_outs) == sorted(
		set(expect.get("opt_out", [])) - set(expect.get("opt_in", []))
	)
	assert result.unknown_device_events == expect.get("unknown_device_events", 0)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_redelivery_stores_nothing_new(name: str) -> None:
	service, repository = build()
	raw, _ = fixture(name)
	first = service.process(raw)
	snapshot = (dict(repository.inbound), {w: list(s.events) for w, s in repository.outbound.items()})
	again = service.process(raw)
	assert again.messages_stored == 0 and again.statuses_applied == 0
	assert again.messages_duplicate == first.messages_stored + first.messages_duplicate
	assert (dict(repository.inbound), {w: list(s.events) for w, s in repository.outbound.items()}) == snapshot


def test_inbound_row_contents() -> None:
	service, repository = build()
	service.process(fixture("every_message_type")[0])
	image = repository.inbound["wamid.T-image"]
	assert (image.device, image.from_number, image.to_number) == ("Shop", "+4917600000001", "+15557654321")
	assert (image.media_id, image.media_mime_type, image.media_caption) == (
		"MEDIA-image",
		"image/jpeg",
		"A photo",
	)
	assert image.received_at == datetime(2025, 11, 24, 16, 0, tzinfo=timezone.utc)
	assert image.profile_name == "Kim"
	unsupported = repository.inbound["wamid.T-unsupported"]
	assert (unsupported.error_code, unsupported.error_title) == (131051, "Message type unknown")
	assert repository.inbound["wamid.T-reaction"].reaction_to_wamid == "wamid.OUT-liked"


def test_bsuid_only_sender_is_stored_without_a_phone() -> None:
	service, repository = build()
	service.process(fixture("bsuid_only_sender")[0])
	row = repository.inbound["wamid.T-bsuid"]
	assert (row.from_number, row.from_user_id) == (None, "US.13491208655302741918")


def test_contacts_are_linked_by_number_and_by_bsuid() -> None:
	service, repository = build()
	repository.add_contact("+4917600000001", ContactLink("Kim Berg", "Customer", "CUST-0001"))
	repository.add_contact("US.13491208655302741918", ContactLink("Sam", "Lead", "LEAD-0007"))
	service.process(fixture("every_message_type")[0])
	service.process(fixture("bsuid_only_sender")[0])
	assert repository.inbound["wamid.T-text"].contact == ContactLink("Kim Berg", "Customer", "CUST-0001")
	assert repository.inbound["wamid.T-bsuid"].contact.party == "LEAD-0007"


def test_unknown_senders_are_still_logged() -> None:
	service, repository = build()
	service.process(fixture("mixed_batch")[0])
	assert repository.inbound["wamid.T-m1"].contact is None


def test_unknown_phone_number_id_is_counted_not_stored() -> None:
	service, repository = build()
	result = service.process(fixture("unknown_phone_number_id")[0])
	assert result.unknown_device_events == 3
	assert repository.inbound == {} and repository.opt_outs == {}
	assert repository.outbound["wamid.T-out1"].events == []


def test_out_of_order_statuses_end_at_the_highest_and_keep_history() -> None:
	service, repository = build()
	statuses = [
		payloads.status("wamid.T-out1", state, 1764000000 + i)
		for i, state in enumerate(["read", "delivered", "sent"])
	]
	service.process(payloads.encode(payloads.envelope([payloads.messages_change(statuses=statuses)])))
	state = repository.outbound["wamid.T-out1"]
	assert state.status == MessageStatus.READ
	assert [event.status for event in state.events] == [
		MessageStatus.READ,
		MessageStatus.DELIVERED,
		MessageStatus.SENT,
	]
	assert state.read_at == datetime.fromtimestamp(1764000000, timezone.utc)
	assert state.delivered_at == datetime.fromtimestamp(1764000001, timezone.utc)


def test_failed_then_delivered_becomes_delivered_with_the_failure_in_history() -> None:
	service, repository = build()
	repository.outbound["wamid.T-out2"].attempts = 2  # its one late retry is spent: final
	error = [{"code": 131026, "title": "Message undeliverable"}]
	failed = payloads.status("wamid.T-out2", "failed", 1764000010, errors=error)
	service.process(payloads.encode(payloads.envelope([payloads.messages_change(statuses=[failed])])))
	assert repository.outbound["wamid.T-out2"].status == MessageStatus.FAILED
	assert repository.outbound["wamid.T-out2"].error_code == 131026
	delivered = payloads.status("wamid.T-out2", "delivered", 1764000020)
	service.process(payloads.encode(payloads.envelope([payloads.messages_change(statuses=[delivered])])))
	state = repository.outbound["wamid.T-out2"]
	assert state.status == MessageStatus.DELIVERED
	assert [(event.status, event.error_code) for event in state.events] == [
		(MessageStatus.FAILED, 131026),
		(MessageStatus.DELIVERED, None),
	]


def test_status_of_an_unknown_message_is_unmatched() -> None:
	service, repository = build()
	body = payloads.envelope([payloads.messages_change(statuses=[payloads.status("wamid.NOT-OURS", "read")])])
	result = service.process(payloads.encode(body))
	assert (result.statuses_unmatched, result.statuses_applied) == (1, 0)
	assert "wamid.NOT-OURS" not in repository.outbound


def test_start_keyword_removes_an_opt_out() -> None:
	service, repository = build()
	service.process(fixture("failed_opted_out")[0])
	assert "+4917600000031" in repository.opt_outs
	body = payloads.envelope(
		[
			payloads.messages_change(
				[payloads.text_message("wamid.S", "START", wa_id="4917600000031", timestamp="1864000000")]
			)
		]
	)
	result = service.process(payloads.encode(body))
	assert result.opt_ins == 1 and "+4917600000031" not in repository.opt_outs


def test_keywords_from_settings() -> None:
	service, repository = build(WhatsAppConfig(stop_keywords=("HALT",), start_keywords=("GO",)))
	service.process(fixture("keywords")[0])
	assert repository.opt_outs == {}
	body = payloads.envelope(
		[payloads.messages_change([payloads.text_message("wamid.H", "halt", wa_id="491")])]
	)
	service.process(payloads.encode(body))
	assert list(repository.opt_outs) == ["+491"]


def test_invalid_json_is_a_typed_error() -> None:
	service, _ = build()
	with pytest.raises(InvalidWebhookPayload):
		service.process(b"{not json")


def test_result_summary_reads_well() -> None:
	service, _ = build()
	summary = service.process(fixture("mixed_batch")[0]).summary()
	assert "messages stored: 3" in summary and "ignored fields: account_update" in summary


def test_apply_event_rule() -> None:
	assert apply_event(MessageStatus.SENT, [MessageStatus.SENT], MessageStatus.READ) == MessageStatus.READ
	assert (
		apply_event(MessageStatus.READ, [MessageStatus.SENT, MessageStatus.READ], MessageStatus.SENT) is None
	)
	assert (
		apply_event(MessageStatus.READ, [MessageStatus.READ], MessageStatus.DELIVERED) == MessageStatus.READ
	)
	assert (
		apply_event(MessageStatus.FAILED, [MessageStatus.FAILED], MessageStatus.SENT) == MessageStatus.FAILED
	)
	assert (
		apply_event(MessageStatus.FAILED, [MessageStatus.FAILED], MessageStatus.DELIVERED)
		== MessageStatus.DELIVERED
	)
	assert apply_event(None, [], MessageStatus.FAILED) == MessageStatus.FAILED


def _race(raw: bytes, service: WebhookService, threads: int, rounds: int) -> list[Any]:
	results: list[Any] = []
	barrier = threading.Barrier(threads)

	def deliver() -> None:
		barrier.wait()
		for _ in range(rounds):
			results.append(service.process(raw))

	workers = [threading.Thread(target=deliver) for _ in range(threads)]
	for worker in workers:
		worker.start()
	for worker in workers:
		worker.join()
	return results


def test_racing_redeliveries_are_stored_once() -> None:
	service, repository = build()
	messages = [payloads.text_message(f"wamid.R{i}", f"hello {i}", wa_id=f"49176{i:08d}") for i in range(50)]
	statuses = [
		payloads.status(wamid, state) for wamid in OUTBOUND for state in ("delivered", "read", "sent")
	]
	raw = payloads.encode(payloads.envelope([payloads.messages_change(messages, statuses)]))
	results = _race(raw, service, threads=8, rounds=10)
	assert len(results) == 80
	assert sum(result.messages_stored for result in results) == 50
	assert sum(result.statuses_applied for result in results) == 3 * len(OUTBOUND)
	assert len(repository.inbound) == 50
	for wamid in OUTBOUND:
		assert repository.outbound[wamid].status == MessageStatus.READ
		assert sorted(event.status for event in repository.outbound[wamid].events) == [
			MessageStatus.DELIVERED,
			MessageStatus.READ,
			MessageStatus.SENT,
		]


def test_burst_of_new_senders_all_recorded() -> None:
	service, repository = build()
	for i in range(400):
		change = payloads.messages_change([payloads.text_message(f"wamid.B{i}", "hi", wa_id=f"4915{i:09d}")])
		service.process(payloads.encode(payloads.envelope([change])))
	assert len(repository.inbound) == 400


SIGNED_SAMPLES = FIXTURES / "signed"


def test_signed_samples_verify_and_apply_as_expected() -> None:
	"""Meta-shaped samples signed outside this project (tests/fixtures/webhooks/signed): an
	independent check of signature and results."""
	signatures = json.loads((SIGNED_SAMPLES / "signatures.json").read_text())
	for name, header in signatures["headers"].items():
		raw = (SIGNED_SAMPLES / f"{name}.body").read_bytes()
		expect = json.loads((SIGNED_SAMPLES / f"{name}.expect.json").read_text())
		verify_signature(raw, header, signatures["app_secret"])
		phone_ids = {
			change.get("value", {}).get("metadata", {}).get("phone_number_id") for change in _changes(raw)
		}
		repository = MemoryWebhookRepository(
			[DeviceProfile(f"D{i}", phone_number_id=p) for i, p in enumerate(phone_ids)]
		)
		for wamid in expect["statuses"]:
			repository.add_outbound(wamid)
		WebhookService(repository, WhatsAppConfig()).process(raw)
		assert sorted(repository.inbound) == sorted(expect["inbound"]), name
		assert {w: repository.outbound[w].status.lower() for w in expect["statuses"]} == expect["statuses"], (
			name
		)
		for wamid, code in expect.get("error_codes", {}).items():
			assert repository.outbound[wamid].error_code == code, name
		assert sorted(repository.opt_outs) == sorted("+" + number for number in expect.get("opt_out", [])), (
			name
		)


def _changes(raw: bytes) -> list[dict[str, Any]]:
	return [change for entry in json.loads(raw)["entry"] for change in entry["changes"]]
