"""The dispatcher under refusals, odd rows, opt-outs, pauses, long batches and pacing.

Memory repositories, the real fake Graph API over HTTP, an injected clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from campaign_harness import CampaignHarness, make_harness
from conftest import FakeClock

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.records import duplicate_wamid_reason
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.vocabulary import CampaignStatus, DeviceMode, RecipientState
from whatsapp_integration.senders.base import SendReceipt, WhatsAppSender
from whatsapp_integration.senders.factory import DeviceProfile, build_cloud_sender
from whatsapp_integration.services.campaign_dispatch import STATUS_EVERY_SENDS
from whatsapp_integration.session_host.pacing import MemoryDailyCounter, SendPacer
from whatsapp_integration.testing.fake_graph import FakeGraphApi
from whatsapp_integration.testing.memory_template_catalog import MemoryTemplateCatalog
from whatsapp_integration.testing.pacing import achieved_rate, busiest_second


@pytest.fixture
def harness(fake_graph: FakeGraphApi, clock: FakeClock) -> CampaignHarness:
	return make_harness(fake_graph, clock)


def _states(harness: CampaignHarness) -> dict[str, int]:
	return harness.campaigns.progress("CAMP-1")


class PacedSender:
	"""A Web-mode sender as the session host runs it: the real `SendPacer` books each send's
	slot (one every 10 s, refusing with `RateLimited` rather than waiting), then the message
	goes out through the Cloud API sender to the fake Graph API."""

	def __init__(self, pacer: SendPacer, device: DeviceProfile, config: WhatsAppConfig) -> None:
		self._pacer, self._device = pacer, device
		self._inner: WhatsAppSender = build_cloud_sender(device, config)

	def send_text(self, to: str, text: str, **keys: str | None) -> SendReceipt:
		self._pacer.reserve(self._device.name, max_wait=0.0)
		return self._inner.send_text(to, text, **keys)

	def send_template(self, to: str, template: rules.Template, **keys: str | None) -> SendReceipt:
		raise NotImplementedError("campaigns of this test send text")

	def send_media(self, to: str, media: rules.Media, **keys: str | None) -> SendReceipt:
		raise NotImplementedError("campaigns of this test send text")


def test_a_refusal_from_the_sender_defers_the_recipient_and_the_dispatcher_goes_on(
	fake_graph: FakeGraphApi, clock: FakeClock
) -> None:
	harness = make_harness(fake_graph, clock)
	harness.device = DeviceProfile(**{**harness.device.__dict__, "mode": DeviceMode.WEB})
	harness.messages.add_device(harness.device, default=True)
	pacer = SendPacer(10.0, 0.0, 100, MemoryDailyCounter(), clock=clock.monotonic, today=clock.now)
	harness.senders.register(DeviceMode.WEB, lambda device, config: PacedSender(pacer, device, config))
	harness.campaign(recipients=3)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	started = clock.now()
	dispatcher.run_batch(harness.campaigns.get_campaign("CAMP-1"), "w")
	assert len(harness.graph.message_requests()) == 1
	refused = harness.campaigns.recipients("CAMP-1")[1]
	assert (refused.state, refused.attempts) == (RecipientState.PENDING, 0), "nothing was sent: not in doubt"
	assert "every 10 s" in (refused.last_error or "")
	wait = (refused.next_attempt_at or started) - started
	assert abs(wait - timedelta(seconds=10)) < timedelta(milliseconds=1), "the pacer's next slot"
	assert harness.journal.lookup([policy.idempotency_key("CAMP-1", refused.name, 0)]) == {}
	dispatcher.dispatch_device(harness.device.name)
	assert sorted(harness.sent_to()) == ["14152000000", "14152000001", "14152000002"]
	assert _states(harness) == {RecipientState.SENT: 3}
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED
	assert harness.notifications == []


def test_a_wamid_returned_twice_is_kept_with_the_reason_and_the_campaign_completes(
	harness: CampaignHarness,
) -> None:
	harness.campaign(recipients=5)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.graph.repeat_wamid(1)
	dispatcher.dispatch_device(harness.device.name)
	assert _states(harness) == {RecipientState.SENT: 5}
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED
	rows = harness.campaigns.recipients("CAMP-1")
	assert all(row.message_log for row in rows), "every send has its Message Log row"
	odd = [row for row in rows if row.last_error]
	assert len(odd) == 1 and odd[0].last_error == duplicate_wamid_reason(odd[0].wamid or "")
	log = harness.messages.get_message(odd[0].message_log or "")
	assert (log.wamid, log.error_reason, log.status) == (None, odd[0].last_error, "Sent")


def test_an_opt_out_after_the_start_holds_at_send_time(harness: CampaignHarness) -> None:
	harness.campaign(recipients=3)
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	harness.messages.add_opt_out("+14152000001", "Replied STOP", "Inbound")
	dispatcher.dispatch_device(harness.device.name)
	assert harness.sent_to() == ["14152000000", "14152000002"]
	skipped = harness.campaigns.recipients("CAMP-1")[1]
	assert skipped.state == RecipientState.SKIPPED
	assert (skipped.skip_reason or "").startswith(planning.SKIP_OPTED_OUT)
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED


def test_a_batch_reads_its_template_once(harness: CampaignHarness) -> None:
	harness.templates = MemoryTemplateCatalog()
	harness.templates.add("order_update", "en", [{"type": "BODY", "text": "Hi {{1}}, {{2}} shipped."}])
	harness.campaign(
		recipients=10,
		message_type="template",
		text=None,
		template_name="order_update",
		template_language="en",
		template_params=("{{ recipient_name }}", "{{ phone }}"),
		template_parameter_count=2,
	)
	harness.service().start("CAMP-1")
	assert harness.dispatcher(campaign_batch_size=5).dispatch_device(harness.device.name).sent == 10
	assert harness.templates.reads == [("order_update", "en")] * 2  # once per batch of 5


@pytest.mark.parametrize(
	("action", "status"), [("pause", CampaignStatus.PAUSED), ("cancel", CampaignStatus.CANCELLED)]
)
def test_pause_and_cancel_stop_a_batch_in_flight(harness: CampaignHarness, action: str, status: str) -> None:
	harness.campaign(recipients=20, throughput_cap=10.0)
	harness.service().start("CAMP-1")
	user = harness.service()

	def sleep_then_act(seconds: float) -> None:
		harness.sleep(seconds)
		running = harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.RUNNING
		if running and len(harness.graph.message_requests()) == 3:
			getattr(user, action)("CAMP-1")

	harness.dispatcher(sleep=sleep_then_act, campaign_batch_size=20).dispatch_device(harness.device.name)
	sent = len(harness.graph.message_requests())
	assert 3 <= sent <= 3 + STATUS_EVERY_SENDS, f"{sent} of 20 sent after the {action}"
	assert _states(harness) == {RecipientState.SENT: sent, RecipientState.PENDING: 20 - sent}, (
		"the rest released"
	)
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert (campaign.status, harness.notifications) == (status, [])


def test_start_on_a_paused_campaign_resumes_its_run(harness: CampaignHarness) -> None:
	harness.campaign(recipients=6)
	service = harness.service(campaign_batch_size=3)
	dispatcher = harness.dispatcher(campaign_batch_size=3)
	service.start("CAMP-1")
	dispatcher.run_batch(harness.campaigns.get_campaign("CAMP-1"), "w")
	service.pause("CAMP-1")
	assert service.start("CAMP-1") == CampaignStatus.RUNNING
	assert _states(harness) == {RecipientState.SENT: 3, RecipientState.PENDING: 3}, "the sent rows stay sent"
	dispatcher.dispatch_device(harness.device.name)
	assert len(harness.sent_to()) == 6 and len(set(harness.sent_to())) == 6
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.COMPLETED


def test_start_on_a_scheduled_campaign_keeps_its_run(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=3, scheduled_start=clock.now(), recurrence="Daily")
	service = harness.service()
	dispatcher = harness.dispatcher()
	service.start("CAMP-1")
	dispatcher.dispatch_device(harness.device.name)
	assert harness.campaigns.get_campaign("CAMP-1").run == 1
	assert service.start("CAMP-1") == CampaignStatus.SCHEDULED, "run 1 is due tomorrow"
	campaign = harness.campaigns.get_campaign("CAMP-1")
	assert (campaign.status, campaign.run) == (CampaignStatus.SCHEDULED, 1)
	assert dispatcher.dispatch_device(harness.device.name).sent == 0
	clock.advance(24 * 3600)
	assert service.start("CAMP-1") == CampaignStatus.RUNNING
	assert dispatcher.dispatch_device(harness.device.name).sent == 3
	keys = [request.body["biz_opaque_callback_data"] for request in harness.graph.message_requests()]
	assert [key.rsplit(":", 1)[1] for key in keys] == ["0"] * 3 + ["1"] * 3


def test_a_batch_longer_than_its_lease_keeps_its_rows(harness: CampaignHarness, clock: FakeClock) -> None:
	harness.campaign(recipients=10, throughput_cap=0.5)
	harness.service().start("CAMP-1")
	taken = []

	def sleep_then_try_to_take_over(seconds: float) -> None:
		harness.sleep(seconds)
		now = clock.now()
		taken.extend(harness.campaigns.claim("CAMP-1", "other", now, now + timedelta(seconds=10), 10))

	dispatcher = harness.dispatcher(
		sleep=sleep_then_try_to_take_over,
		campaign_batch_size=10,
		campaign_lease_seconds=10,
		request_timeout=1.0,
	)
	started = clock.now()
	dispatcher.dispatch_device(harness.device.name)
	assert clock.now() - started >= timedelta(seconds=18), "one batch of about 20 s"
	assert taken == [], "the lease was renewed while the batch ran"
	assert len(harness.sent_to()) == 10 and _states(harness) == {RecipientState.SENT: 10}


class SlowArrivals(list):
	"""The fake Graph API's request list on the injected clock: each request takes
	`send_seconds` of it, and its arrival time is noted."""

	def __init__(self, clock: FakeClock, send_seconds: float) -> None:
		super().__init__()
		self.clock, self.send_seconds, self.times = clock, send_seconds, []

	def append(self, item: object) -> None:
		self.clock.advance(self.send_seconds)
		self.times.append(self.clock.monotonic())
		super().append(item)


@pytest.mark.parametrize(("rate", "send_seconds"), [(20, 0.03), (50, 0.015)])
def test_pacing_keeps_to_the_clock_when_sends_take_time(
	fake_graph: FakeGraphApi, clock: FakeClock, rate: int, send_seconds: float
) -> None:
	arrivals = SlowArrivals(clock, send_seconds)
	with fake_graph.state.lock:
		fake_graph.state.requests = arrivals
	harness = make_harness(fake_graph, clock, send_rate_per_second=float(rate))
	harness.campaign(recipients=10 * rate)

	def late_sleep(seconds: float) -> None:
		clock.sleep(seconds + 0.004)  # a busy machine wakes up late

	service = harness.service()
	dispatcher = harness.dispatcher(sleep=late_sleep)
	service.start("CAMP-1")
	dispatcher.dispatch_device(harness.device.name)
	assert len(arrivals.times) == 10 * rate
	assert busiest_second(arrivals.times) <= rate
	assert achieved_rate(arrivals.times) >= 0.95 * rate
