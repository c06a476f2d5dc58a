"""The campaign service end to end: memory repositories, the real fake Graph API over HTTP."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from campaign_harness import CampaignHarness, make_harness, numbers
from conftest import FakeClock

from whatsapp_integration.core.campaign import policy
from whatsapp_integration.core.campaign.outcomes import IN_DOUBT_REASON
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.records import RecipientRow
from whatsapp_integration.core.campaign.schedule import DAILY
from whatsapp_integration.core.errors import CampaignStateError, InvalidCampaign
from whatsapp_integration.core.records import SendOutcome
from whatsapp_integration.core.vocabulary import CampaignStatus, MessageStatus, RecipientState
from whatsapp_integration.testing.fake_graph import FakeGraphApi


class WorkerKilled(BaseException):
	"""Stands for SIGKILL: nothing after it runs, no `except Exception` catches it."""


@pytest.fixture
def harness(fake_graph: FakeGraphApi, clock: FakeClock) -> CampaignHarness:
	return make_harness(fake_graph, clock)


def test_a_campaign_sends_each_recipient_once_with_its_key_and_completes(harness: CampaignHarness) -> None:
	harness.campaign(recipients=25)
	service = harness.service(campaign_batch_size=10)
	dispatcher = harness.dispatcher(campaign_batch_size=10)
	assert service.start("CAMP-1") == CampaignStatus.RUNNING
	report = dispatcher.dispatch_device(harness.device.name)
	assert (report.sent, report.batches) == (25, 3)
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED
	requests = harness.graph.message_requests()
	assert len(requests) == 25 and len(set(harness.sent_to())) == 25
	rows = {row.name: row for row in harness.campaigns.recipients("CAMP-1")}
	first = requests[0].body
	key = first["biz_opaque_callback_data"]
	row = rows[key.split(":")[2]]
	assert key == policy.idempotency_key("CAMP-1", row.name, 0)
	assert first["text"]["body"] == f"Hello {row.recipient_name}!"
	log = harness.messages.find_by_idempotency_key(key)
	assert log and log.status == MessageStatus.SENT and log.wamid == row.wamid and row.message_log == log.name
	assert service.progress("CAMP-1")["counts"][RecipientState.SENT] == 25
	assert service.progress("CAMP-1")["percent"] == 100.0


def test_invalid_duplicate_and_opted_out_recipients_are_reported_before_start(
	harness: CampaignHarness,
) -> None:
	harness.campaign()
	service = harness.service()
	dispatcher = harness.dispatcher()
	first = service.add_recipients("CAMP-1", [*numbers(3), RecipientInput("555", "Bad")])
	assert first == {"total": 4, "to_send": 3, "invalid": 1, "duplicate": 0, "opted_out": 0}
	again = service.add_recipients("CAMP-1", numbers(2, start=2))
	assert again["duplicate"] == 1 and again["to_send"] == 1
	harness.messages.add_opt_out("+14152000000", "asked", "Inbound")
	service.start("CAMP-1")
	counts = service.progress("CAMP-1")["counts"]
	assert (counts[RecipientState.PENDING], counts[RecipientState.SKIPPED]) == (3, 3)
	dispatcher.dispatch_device(harness.device.name)
	assert sorted(harness.sent_to()) == ["14152000001", "14152000002", "14152000003"]


def test_a_scheduled_campaign_does_not_start_before_its_time(
	harness: CampaignHarness, clock: FakeClock
) -> None:
	harness.campaign(recipients=2, scheduled_start=clock.now() + timedelta(minutes=10))
	service = harness.service()
	dispatcher = harness.dispatcher()
	assert service.start("CAMP-1") == CampaignStatus.SCHEDULED
	clock.advance(9 * 60 + 59)
	assert service.start_due() == []
	assert dispatcher.dispatch_device(harness.device.name).sent == 0
	clock.advance(1)
	assert service.start_due() == ["CAMP-1"]
	assert dispatcher.dispatch_device(harness.device.name).sent == 2


def test_a_daily_campaign_runs_again_next_day_with_new_keys(
	harness: CampaignHarness, clock: FakeClock
) -> None:
	harness.campaign(recipients=3, scheduled_start=clock.now(), recurrence=DAILY)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	dispatcher.dispatch_device(harness.device.name)
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert (campaign.status, campaign.run, campaign.next_run_at) == (
		CampaignStatus.SCHEDULED,
		1,
		datetime(2026, 3, 3, 10, 0),
	)
	clock.current = datetime(2026, 3, 3, 10, 0)
	assert service.start_due() == ["CAMP-1"]
	dispatcher.dispatch_device(harness.device.name)
	keys = {request.body["biz_opaque_callback_data"] for request in harness.graph.message_requests()}
	assert len(keys) == 6 and Counter(harness.sent_to()) == Counter(
		{number: 2 for number in harness.sent_to()}
	)


def test_two_concurrent_dispatchers_never_send_the_same_recipient(harness: CampaignHarness) -> None:
	harness.campaign(recipients=300)
	harness.service().start("CAMP-1")
	reports = []

	def work(owner: str) -> None:
		reports.append(
			harness.dispatcher(campaign_batch_size=7).dispatch_device(harness.device.name, owner=owner)
		)

	threads = [threading.Thread(target=work, args=(f"worker-{index}",)) for index in range(2)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert sum(report.sent for report in reports) == 300
	assert all(report.sent > 0 for report in reports), "both dispatchers should have taken work"
	assert len(harness.sent_to()) == 300 and len(set(harness.sent_to())) == 300
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED


def test_a_lease_hides_rows_until_it_expires(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=5)
	harness.service().start("CAMP-1")
	now = clock.now()
	first = harness.campaigns.claim("CAMP-1", "a", now, now + timedelta(seconds=300), 3)
	second = harness.campaigns.claim("CAMP-1", "b", now, now + timedelta(seconds=300), 10)
	assert len(first) == 3 and len(second) == 2
	assert not {row.name for row in first} & {row.name for row in second}
	assert harness.campaigns.claim("CAMP-1", "c", now + timedelta(seconds=299), now, 10) == []
	later = now + timedelta(seconds=300)
	taken_over = harness.campaigns.claim("CAMP-1", "c", later, later + timedelta(seconds=300), 10)
	assert len(taken_over) == 5
	harness.campaigns.release("a", [row.name for row in first])
	assert harness.campaigns.progress("CAMP-1") == {RecipientState.SENDING: 5}, "a lost its lease, c keeps it"


def test_a_killed_worker_resumes_without_loss_or_duplicate(
	harness: CampaignHarness, clock: FakeClock
) -> None:
	harness.campaign(recipients=30, throughput_cap=10.0)
	harness.service().start("CAMP-1")

	def sleep_then_die(seconds: float) -> None:
		harness.sleep(seconds)
		if len(harness.graph.message_requests()) == 15:
			raise WorkerKilled

	with pytest.raises(WorkerKilled):
		harness.dispatcher(sleep=sleep_then_die, campaign_batch_size=10).dispatch_device(harness.device.name)
	assert len(harness.graph.message_requests()) == 15, (
		"killed mid-batch: 15 sent, 10 of them not recorded yet"
	)
	assert harness.campaigns.progress("CAMP-1") == {
		RecipientState.SENT: 10,
		RecipientState.SENDING: 10,
		RecipientState.PENDING: 10,
	}
	survivor = harness.dispatcher(campaign_batch_size=10)
	assert survivor.dispatch_device(harness.device.name).sent == 10, "leases still held by the dead worker"
	clock.advance(301)
	survivor.dispatch_device(harness.device.name)
	assert len(harness.sent_to()) == 30 and len(set(harness.sent_to())) == 30
	assert harness.campaigns.progress("CAMP-1") == {RecipientState.SENT: 30}
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED
	assert all(row.wamid for row in harness.campaigns.recipients("CAMP-1"))


def test_a_send_in_doubt_is_never_repeated(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=3)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	rows = harness.campaigns.claim("CAMP-1", "dead", clock.now(), clock.now() + timedelta(seconds=300), 1)
	harness.journal.begin(policy.idempotency_key("CAMP-1", rows[0].name, 0))
	clock.advance(301)
	dispatcher.dispatch_device(harness.device.name)
	assert len(harness.sent_to()) == 2
	doubtful = next(row for row in harness.campaigns.recipients("CAMP-1") if row.name == rows[0].name)
	assert (doubtful.state, doubtful.last_error) == (RecipientState.FAILED, IN_DOUBT_REASON)


def _one_recipient_campaign(
	harness: CampaignHarness, code: int | None, status: int = 400, times: int = 1
) -> None:
	harness.campaign(recipients=1)
	harness.service().start("CAMP-1")
	harness.graph.fail_next(code, http_status=status, times=times)


def _row(harness: CampaignHarness) -> RecipientRow:
	return harness.campaigns.recipients("CAMP-1")[0]


def test_a_transient_error_backs_off_then_succeeds(harness: CampaignHarness, clock: FakeClock) -> None:
	_one_recipient_campaign(harness, None, status=503)
	dispatcher = harness.dispatcher()
	dispatcher.dispatch_device(harness.device.name)
	row = _row(harness)
	assert (row.state, row.attempts, row.next_attempt_at) == (
		RecipientState.PENDING,
		1,
		clock.now() + timedelta(seconds=30),
	)
	clock.advance(20)
	assert dispatcher.dispatch_device(harness.device.name).sent == 1, "a retry due within 15 s is waited for"
	assert clock.now() >= row.next_attempt_at
	assert (_row(harness).state, _row(harness).attempts) == (RecipientState.SENT, 2)


def test_transient_errors_fail_the_recipient_after_max_attempts(
	harness: CampaignHarness, clock: FakeClock
) -> None:
	_one_recipient_campaign(harness, 131000, status=500, times=3)
	dispatcher = harness.dispatcher()
	for _ in range(3):
		dispatcher.dispatch_device(harness.device.name)
		clock.advance(3600)
	row = _row(harness)
	assert (row.state, row.attempts, row.error_code) == (RecipientState.FAILED, 3, 131000)
	log = harness.messages.get_message(row.message_log or "")
	assert (log.status, log.error_code, log.next_attempt_at) == (MessageStatus.FAILED, 131000, None)


def test_throttle_slows_the_whole_device(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=4)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.graph.fail_next(130429, http_status=429)
	dispatcher.dispatch_device(harness.device.name)
	assert len(harness.graph.message_requests()) == 1, "the batch stops at the throttle"
	cooldown = harness.campaigns.device_cooldown(harness.device.name)
	assert cooldown == clock.now() + timedelta(seconds=30)
	clock.advance(20)
	assert dispatcher.dispatch_device(harness.device.name).sent == 4, "the dispatcher waits out the cooldown"
	assert min(row.last_attempt_at for row in harness.campaigns.recipients("CAMP-1")) >= cooldown


def test_pair_rate_delays_only_that_recipient(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=3)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.graph.fail_next(131056, to="14152000001")
	started = clock.now()
	assert dispatcher.dispatch_device(harness.device.name).sent == 3, "the others first, then it after 9 s"
	assert harness.sent_to() == ["14152000000", "14152000001", "14152000002", "14152000001"]
	delayed = next(row for row in harness.campaigns.recipients("CAMP-1") if row.attempts == 2)
	assert delayed.last_attempt_at - started >= timedelta(seconds=9)


def test_the_pair_rate_is_kept_before_sending(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=1)
	harness.campaign("CAMP-2", recipients=1)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	service.start("CAMP-2")
	started = clock.now()
	dispatcher.dispatch_device(harness.device.name)
	assert harness.sent_to() == ["14152000000", "14152000000"]
	second = harness.campaigns.recipients("CAMP-2")[0]
	assert second.last_attempt_at - started >= timedelta(seconds=6), "the same number waits 6 s"


@pytest.mark.parametrize(
	("code", "state", "reason"),
	[
		(131047, RecipientState.FAILED, "24 hours"),
		(132000, RecipientState.FAILED, "parameters"),
		(131050, RecipientState.SKIPPED, "Opted out"),
	],
)
def test_permanent_errors_settle_the_recipient_with_the_reason(
	harness: CampaignHarness, code: int, state: str, reason: str
) -> None:
	_one_recipient_campaign(harness, code)
	harness.dispatcher().dispatch_device(harness.device.name)
	row = _row(harness)
	assert row.state == state and reason in ((row.skip_reason or "") + (row.last_error or ""))
	assert harness.messages.is_opted_out(row.number) == (code == 131050)


def test_defer_gets_one_late_retry(harness: CampaignHarness, clock: FakeClock) -> None:
	_one_recipient_campaign(harness, 131026, times=2)
	dispatcher = harness.dispatcher()
	dispatcher.dispatch_device(harness.device.name)
	assert _row(harness).next_attempt_at == clock.now() + timedelta(seconds=3600)
	clock.advance(3600)
	dispatcher.dispatch_device(harness.device.name)
	assert (_row(harness).state, _row(harness).attempts) == (RecipientState.FAILED, 2)


def test_a_stop_error_pauses_the_campaign_and_notifies(harness: CampaignHarness) -> None:
	harness.campaign(recipients=5)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.graph.fail_next(131048)
	dispatcher.dispatch_device(harness.device.name)
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert campaign.status == CampaignStatus.PAUSED and "spam rate" in (campaign.status_reason or "")
	assert harness.notifications == [("CAMP-1", campaign.status_reason)]
	assert harness.campaigns.progress("CAMP-1") == {RecipientState.PENDING: 5}
	service.resume("CAMP-1")
	assert dispatcher.dispatch_device(harness.device.name).sent == 5
	assert harness.sent_to()[0] == harness.sent_to()[-1], (
		"Meta saw the first number: it waits out the pair rate"
	)


def test_auto_pause_when_the_failure_rate_passes_the_threshold(harness: CampaignHarness) -> None:
	harness.campaign(recipients=30)
	service = harness.service(campaign_failure_window=10, campaign_batch_size=5)
	dispatcher = harness.dispatcher(campaign_failure_window=10, campaign_batch_size=5)
	service.start("CAMP-1")
	harness.graph.fail_next(131009, times=6)
	dispatcher.dispatch_device(harness.device.name)
	assert len(harness.graph.message_requests()) == 10, "paused after the window of 10 is 60 % failed"
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert campaign.status == CampaignStatus.PAUSED and campaign.status_reason.startswith("6 of the last 10")
	assert harness.notifications == [("CAMP-1", campaign.status_reason)]


def test_pause_resume_and_cancel(harness: CampaignHarness) -> None:
	harness.campaign(recipients=12)
	service = harness.service(campaign_batch_size=4)
	dispatcher = harness.dispatcher(campaign_batch_size=4)
	service.start("CAMP-1")
	dispatcher.run_batch(harness.campaigns.get_campaign("CAMP-1"), "w")
	service.pause("CAMP-1")
	assert dispatcher.dispatch_device(harness.device.name).sent == 0
	service.resume("CAMP-1")
	dispatcher.run_batch(harness.campaigns.get_campaign("CAMP-1"), "w")
	service.cancel("CAMP-1")
	assert dispatcher.dispatch_device(harness.device.name).sent == 0
	assert len(harness.sent_to()) == 8
	with pytest.raises(CampaignStateError, match="Cancelled and cannot become Running"):
		service.resume("CAMP-1")


def test_the_daily_cap_stops_sending_for_the_day(fake_graph: FakeGraphApi, clock: FakeClock) -> None:
	harness = make_harness(fake_graph, clock, daily_cap=7)
	harness.campaign(recipients=10)
	service = harness.service(campaign_batch_size=5)
	dispatcher = harness.dispatcher(campaign_batch_size=5)
	service.start("CAMP-1")
	assert dispatcher.dispatch_device(harness.device.name).sent == 7
	clock.advance(24 * 3600)
	assert dispatcher.dispatch_device(harness.device.name).sent == 3


def test_templates_render_parameters_per_recipient_and_check_their_count(harness: CampaignHarness) -> None:
	harness.campaign(
		recipients=2,
		message_type="template",
		text=None,
		template_name="order_update",
		template_language="en",
		template_params=("{{ recipient_name }}", "{{ phone }}"),
		template_parameter_count=2,
	)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	dispatcher.dispatch_device(harness.device.name)
	body = harness.graph.message_requests()[0].body["template"]
	values = [parameter["text"] for parameter in body["components"][0]["parameters"]]
	assert values == ["Customer 0", "+14152000000"]
	harness.campaign(
		"CAMP-2", recipients=1, message_type="template", template_name="x", template_parameter_count=1
	)
	with pytest.raises(InvalidCampaign, match="has 1 parameter"):
		service.start("CAMP-2")


def test_send_test_goes_to_the_given_number_only(harness: CampaignHarness) -> None:
	harness.campaign(recipients=3)
	record = harness.service().send_test("CAMP-1", "+14155550199", "manager@example.com")
	assert record.status == MessageStatus.SENT
	assert harness.sent_to() == ["14155550199"]
	assert harness.graph.message_requests()[0].body["text"]["body"] == "Hello Customer 0!"
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.DRAFT


def test_progress_follows_delivery_statuses_of_the_message_log(
	harness: CampaignHarness, clock: FakeClock
) -> None:
	harness.campaign(recipients=3)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	dispatcher.dispatch_device(harness.device.name)
	logs = [row.message_log or "" for row in harness.campaigns.recipients("CAMP-1")]
	harness.messages.save_outcome(logs[0], SendOutcome("Delivered", clock.now(), 1))
	harness.messages.save_outcome(logs[1], SendOutcome("Read", clock.now(), 1))
	counts = service.progress("CAMP-1")["counts"]
	assert (counts[RecipientState.SENT], counts[RecipientState.DELIVERED], counts[RecipientState.READ]) == (
		1,
		1,
		1,
	)


def test_a_run_in_which_every_recipient_failed_ends_failed(harness: CampaignHarness) -> None:
	harness.campaign(recipients=2)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.graph.fail_next(131009, times=2)
	dispatcher.dispatch_device(harness.device.name)
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert campaign.status == CampaignStatus.FAILED
	assert campaign.status_reason == "All 2 attempted recipients failed; see their errors in Recipients."
	assert service.start("CAMP-1") == CampaignStatus.RUNNING, "a failed campaign can be started again"
	assert dispatcher.dispatch_device(harness.device.name).sent == 2
	keys = [request.body["biz_opaque_callback_data"] for request in harness.graph.message_requests()]
	assert [key.rsplit(":", 1)[1] for key in keys] == ["0", "0", "1", "1"], "the restart is run 1"
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED
