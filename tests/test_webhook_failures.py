"""Failures Meta reports later by webhook, handled like failures of the send call (issue 10
item 12), and stop/start choices applied in the order the customer made them (item 13)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from whatsapp_integration.core.campaign.planning import shown_state
from whatsapp_integration.core.campaign.policy import idempotency_key
from whatsapp_integration.core.campaign.records import CampaignRecord, NewRecipient
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction
from whatsapp_integration.core.records import StatusEvent
from whatsapp_integration.core.vocabulary import CampaignStatus, MessageStatus
from whatsapp_integration.core.webhook_records import OutboundState
from whatsapp_integration.senders.factory import DeviceProfile
from whatsapp_integration.services.webhook_service import WebhookService
from whatsapp_integration.testing import webhook_payloads as payloads
from whatsapp_integration.testing.memory_campaign_repository import MemoryCampaignRepository
from whatsapp_integration.testing.memory_repository import MemoryRepository
from whatsapp_integration.testing.memory_webhooks import MemoryWebhookRepository

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
DEVICE = DeviceProfile("Shop", phone_number_id=payloads.PHONE_NUMBER_ID, phone_number="+15557654321")
TO = "+4917600000009"
CONFIG = WhatsAppConfig(max_retry_attempts=3, retry_backoff_seconds=30, retry_backoff_max_seconds=3600)


def build(
	campaigns: MemoryCampaignRepository | None = None,
) -> tuple[WebhookService, MemoryWebhookRepository]:
	repository = MemoryWebhookRepository([DEVICE], campaigns)
	return WebhookService(repository, CONFIG, now=lambda: NOW, rand=lambda: 0.5), repository


def deliver(service: WebhookService, *statuses: dict) -> None:
	service.process(payloads.encode(payloads.envelope([payloads.messages_change(statuses=list(statuses))])))


def failed(wamid: str, code: int, title: str = "Failed", timestamp: int = 1764000100) -> dict:
	return payloads.status(wamid, "failed", timestamp, errors=[{"code": code, "title": title}])


def resend(repository: MemoryWebhookRepository, state: OutboundState, wamid: str) -> None:
	"""What the outbox retry does with a Queued row: a new send, a new wamid, a Sent event."""
	state.wamid, state.status, state.attempts = wamid, MessageStatus.SENT, state.attempts + 1
	state.events.append(StatusEvent(MessageStatus.SENT, NOW))
	repository.outbound[wamid] = state


def test_a_retryable_failure_goes_back_to_the_outbox_and_its_resend_is_tracked() -> None:
	service, repository = build()
	state = repository.add_outbound("wamid.A1", MessageStatus.SENT, attempts=1, to_number=TO)
	deliver(service, failed("wamid.A1", 131049, "This message was not delivered"))
	assert (state.status, state.error_code, state.error_action) == (
		MessageStatus.QUEUED,
		131049,
		ErrorAction.DEFER.value,
	)
	assert state.next_attempt_at == NOW + timedelta(seconds=CONFIG.retry_backoff_max_seconds)
	assert "wamid.A1" in (state.error_reason or "") and "wamid.A1" not in repository.outbound
	assert [event.status for event in state.events] == [MessageStatus.FAILED, MessageStatus.QUEUED]
	resend(repository, state, "wamid.A2")
	deliver(service, payloads.status("wamid.A2", "sent"), failed("wamid.A1", 131049))  # + a redelivery
	assert state.status == MessageStatus.SENT
	deliver(service, failed("wamid.A2", 131049, timestamp=1764000200))  # the resend fails too: final
	assert (state.status, state.error_action, state.next_attempt_at) == (
		MessageStatus.FAILED,
		"defer",
		state.next_attempt_at,
	)
	assert [event.status for event in state.events] == [
		MessageStatus.FAILED,
		MessageStatus.QUEUED,
		MessageStatus.SENT,
		MessageStatus.FAILED,
	]


def test_a_permanent_failure_gets_its_action_and_a_reason_to_act_on() -> None:
	service, repository = build()
	state = repository.add_outbound("wamid.B1", MessageStatus.SENT, attempts=1, to_number=TO)
	deliver(service, failed("wamid.B1", 131047, "Re-engagement message"))
	assert (state.status, state.error_action, state.wamid) == (
		MessageStatus.FAILED,
		"needs_template",
		"wamid.B1",
	)
	assert "approved template" in (state.error_reason or "")


def test_a_suppress_class_failure_opts_the_number_out() -> None:
	service, repository = build()
	repository.add_outbound("wamid.C1", MessageStatus.SENT, attempts=1, to_number="+4917600000077")
	deliver(service, failed("wamid.C1", 131021, "Recipient cannot be sender"))
	assert "+4917600000077" in repository.opt_outs


def _campaign(status: str = CampaignStatus.RUNNING) -> tuple[MemoryCampaignRepository, list[str]]:
	campaigns = MemoryCampaignRepository(MemoryRepository())
	campaigns.insert_campaign(CampaignRecord("CAMP-1", device="Shop", status=status))
	campaigns.add_recipients("CAMP-1", [NewRecipient(f"+49176000001{i:02d}") for i in range(3)])
	return campaigns, [row.name for row in campaigns.recipients("CAMP-1")]


def test_a_campaign_failure_marks_its_recipient_failed_for_auto_pause() -> None:
	campaigns, names = _campaign()
	service, repository = build(campaigns)
	key = idempotency_key("CAMP-1", names[1], 0)
	repository.add_outbound("wamid.D1", MessageStatus.SENT, attempts=1, to_number=TO, idempotency_key=key)
	deliver(service, failed("wamid.D1", 131047))
	row = next(row for row in campaigns.recipients("CAMP-1") if row.name == names[1])
	assert (row.state, row.error_code, row.last_attempt_at) == ("Failed", 131047, NOW)
	assert campaigns.recent_failures("CAMP-1", 10) == [True]
	assert campaigns.get_campaign("CAMP-1").status == CampaignStatus.RUNNING


def test_a_stop_class_failure_pauses_the_campaign() -> None:
	campaigns, names = _campaign()
	service, repository = build(campaigns)
	key = idempotency_key("CAMP-1", names[0], 0)
	repository.add_outbound("wamid.E1", MessageStatus.SENT, attempts=1, to_number=TO, idempotency_key=key)
	deliver(service, failed("wamid.E1", 131048, "Spam rate limit hit"))
	campaign = campaigns.get_campaign("CAMP-1")
	assert campaign.status == CampaignStatus.PAUSED and "spam rate" in (campaign.status_reason or "")


def keyword(wamid: str, text: str, timestamp: int, number: str = "4917600000055") -> bytes:
	message = payloads.text_message(wamid, text, wa_id=number, timestamp=str(timestamp))
	return payloads.encode(payloads.envelope([payloads.messages_change([message])]))


def test_a_redelivered_stop_after_a_newer_start_does_not_opt_out_again() -> None:
	service, repository = build()
	stop, start = keyword("wamid.K1", "STOP", 1764000100), keyword("wamid.K2", "START", 1764000200)
	service.process(stop)
	service.process(start)
	assert "+4917600000055" not in repository.opt_outs
	result = service.process(stop)  # Meta delivers the STOP again
	assert "+4917600000055" not in repository.opt_outs and result.preferences_outdated == 1


def test_choices_arriving_out_of_order_apply_in_timestamp_order() -> None:
	service, repository = build()
	service.process(keyword("wamid.K4", "STOP", 1764000300))
	service.process(keyword("wamid.K3", "START", 1764000200))  # older, arrives late
	assert "+4917600000055" in repository.opt_outs
	start = payloads.preferences_change("4917600000056", "resume")
	stop = payloads.preferences_change("4917600000056", "stop")
	start["value"]["user_preferences"][0]["timestamp"] = "1764000500"
	stop["value"]["user_preferences"][0]["timestamp"] = "1764000400"
	service.process(payloads.encode(payloads.envelope([start, stop])))  # one body, newest first
	assert "+4917600000056" not in repository.opt_outs


def test_a_retryable_campaign_failure_leaves_its_recipient_open_until_the_resend_settles() -> None:
	"""Old: the log went back to the outbox but the recipient was marked Failed (counted by
	auto-pause, and never moved back when the resend succeeded)."""
	campaigns, names = _campaign()
	service, repository = build(campaigns)
	campaigns.mark_recipient(names[2], "CAMP-1", 0, state="Sent")
	key = idempotency_key("CAMP-1", names[2], 0)
	state = repository.add_outbound(
		"wamid.F1", MessageStatus.SENT, attempts=1, to_number=TO, idempotency_key=key
	)
	deliver(service, failed("wamid.F1", 131049, "This message was not delivered"))
	row = next(row for row in campaigns.recipients("CAMP-1") if row.name == names[2])
	assert state.status == MessageStatus.QUEUED and state.idempotency_key == key
	assert (row.state, row.error_code) == ("Sent", 131049) and "sent again" in (row.last_error or "")
	assert campaigns.recent_failures("CAMP-1", 10) == []
	resend(repository, state, "wamid.F2")
	deliver(service, failed("wamid.F2", 131047, timestamp=1764000200))  # the resend fails for good
	row = next(row for row in campaigns.recipients("CAMP-1") if row.name == names[2])
	assert (row.state, row.error_code) == ("Failed", 131047)


def test_a_recipient_shows_the_state_of_its_log() -> None:
	assert shown_state("Sent", MessageStatus.QUEUED) == "Sending"  # the outbox resends it
	assert [shown_state("Sent", status) for status in ("Sent", "Delivered", "Read", "Failed")] == [
		"Sent",
		"Delivered",
		"Read",
		"Failed",
	]
	assert (shown_state("Pending", None), shown_state("Failed", "Failed")) == ("Pending", "Failed")
