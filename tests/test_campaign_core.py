"""Campaign rules without a framework: schedules (month ends, DST), planning, policy, rendering."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from conftest import ACCESS_TOKEN

from whatsapp_integration.core.campaign import planning, policy
from whatsapp_integration.core.campaign.planning import RecipientInput, parse_csv, plan_recipients
from whatsapp_integration.core.campaign.rendering import (
	check_parameter_count,
	render_parameters,
	render_text,
	sandboxed_render,
)
from whatsapp_integration.core.campaign.schedule import (
	DAILY,
	MONTHLY,
	NONE,
	WEEKLY,
	Schedule,
	is_due,
	next_run,
	occurrence,
	run_after,
	to_utc,
)
from whatsapp_integration.core.campaign.templates import fetch_templates, parameter_count
from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import (
	CampaignStateError,
	ErrorAction,
	InvalidCampaign,
	InvalidMessage,
)
from whatsapp_integration.core.vocabulary import CampaignStatus, RecipientState
from whatsapp_integration.senders.graph import GraphClient
from whatsapp_integration.testing.fake_graph import FakeGraphApi

NEW_YORK = "America/New_York"


# Schedules


def test_monthly_on_the_31st_uses_each_months_last_day() -> None:
	schedule = Schedule(datetime(2024, 1, 31, 9, 0), MONTHLY)
	days = [occurrence(schedule, run).date() for run in range(5)]
	assert days == [
		date(2024, 1, 31),
		date(2024, 2, 29),
		date(2024, 3, 31),
		date(2024, 4, 30),
		date(2024, 5, 31),
	]


def test_monthly_crosses_the_year_and_keeps_a_non_leap_february() -> None:
	schedule = Schedule(datetime(2025, 11, 30, 8, 15), MONTHLY)
	assert [occurrence(schedule, run) for run in (1, 2, 3)] == [
		datetime(2025, 12, 30, 8, 15),
		datetime(2026, 1, 30, 8, 15),
		datetime(2026, 2, 28, 8, 15),
	]


def test_daily_and_weekly_steps_and_the_until_date() -> None:
	daily = Schedule(datetime(2026, 3, 1, 10, 0), DAILY, until=date(2026, 3, 3))
	assert run_after(daily, 0) == (1, datetime(2026, 3, 2, 10, 0))
	assert run_after(daily, 1) == (2, datetime(2026, 3, 3, 10, 0))
	assert run_after(daily, 2) is None
	weekly = Schedule(datetime(2026, 3, 1, 10, 0), WEEKLY)
	assert occurrence(weekly, 3) == datetime(2026, 3, 22, 10, 0)
	assert run_after(Schedule(datetime(2026, 3, 1, 10, 0), NONE), 0) is None


def test_next_run_finds_the_first_run_at_or_after_a_time() -> None:
	schedule = Schedule(datetime(2024, 1, 31, 9, 0), MONTHLY, until=date(2024, 6, 1))
	assert next_run(schedule, datetime(2024, 3, 1)) == (2, datetime(2024, 3, 31, 9, 0))
	assert next_run(schedule, datetime(2024, 5, 31, 9, 0)) == (4, datetime(2024, 5, 31, 9, 0))
	assert next_run(schedule, datetime(2024, 6, 2)) is None
	daily = Schedule(datetime(2026, 1, 1, 7, 30), DAILY)
	assert next_run(daily, datetime(2026, 2, 10, 8, 0)) == (41, datetime(2026, 2, 11, 7, 30))


def test_daily_run_keeps_its_wall_clock_time_across_spring_and_autumn_dst() -> None:
	schedule = Schedule(datetime(2026, 3, 6, 9, 0), DAILY)
	utc_hours = [to_utc(occurrence(schedule, run), NEW_YORK).hour for run in range(4)]
	# 2026-03-08: clocks spring forward; 09:00 EST is 14:00 UTC, 09:00 EDT is 13:00 UTC.
	assert utc_hours == [14, 14, 13, 13]
	autumn = Schedule(datetime(2026, 10, 31, 9, 0), DAILY)
	assert [to_utc(occurrence(autumn, run), NEW_YORK).hour for run in range(2)] == [13, 14]


def test_a_time_skipped_by_spring_forward_runs_an_hour_later_and_an_ambiguous_one_once() -> None:
	# 02:30 does not exist on 2026-03-08 in New York: it runs at 03:30 EDT (07:30 UTC).
	assert to_utc(datetime(2026, 3, 8, 2, 30), NEW_YORK) == datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc)
	# 01:30 happens twice on 2026-11-01: the run is due at the first one (05:30 UTC) only.
	first = datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc)
	assert to_utc(datetime(2026, 11, 1, 1, 30), NEW_YORK) == first
	assert not is_due(
		datetime(2026, 11, 1, 1, 30), NEW_YORK, datetime(2026, 11, 1, 5, 29, tzinfo=timezone.utc)
	)
	assert is_due(datetime(2026, 11, 1, 1, 30), NEW_YORK, first)


def test_schedule_rejects_an_unknown_recurrence_and_an_end_before_the_start() -> None:
	with pytest.raises(InvalidCampaign, match="recurrence"):
		Schedule(datetime(2026, 3, 1), "Hourly")
	with pytest.raises(InvalidCampaign, match="before its start"):
		Schedule(datetime(2026, 3, 1), DAILY, until=date(2026, 2, 1))


# Planning


def test_planning_skips_invalid_duplicate_and_opted_out_numbers_with_reasons() -> None:
	inputs = [
		RecipientInput("+14155550101", "Ann"),
		RecipientInput("0014155550101", "Ann again"),
		RecipientInput("12", "Too short"),
		RecipientInput("+14155550102", "Bob"),
		RecipientInput("(415) 555-0103", "Local"),
	]
	plan = plan_recipients(inputs, "US", {"+14155550102"}.__contains__)
	states = [(r.number, r.state, (r.skip_reason or "").split(":")[0]) for r in plan.recipients]
	assert states == [
		("+14155550101", RecipientState.PENDING, ""),
		("+14155550101", RecipientState.SKIPPED, "Duplicate of Ann"),
		(None, RecipientState.SKIPPED, planning.SKIP_INVALID),
		("+14155550102", RecipientState.SKIPPED, planning.SKIP_OPTED_OUT),
		("+14155550103", RecipientState.PENDING, ""),
	]
	assert plan.summary() == {"total": 5, "to_send": 2, "invalid": 1, "duplicate": 1, "opted_out": 1}
	assert "too few digits" in (plan.recipients[2].skip_reason or "")


def test_planning_without_a_default_country_explains_the_missing_country_code() -> None:
	plan = plan_recipients([RecipientInput("4155550101")], None, lambda number: False)
	assert plan.recipients[0].state == RecipientState.SKIPPED
	assert "country code" in (plan.recipients[0].skip_reason or "")


# Policy


@pytest.mark.parametrize(
	("action", "attempts", "expected"),
	[
		(ErrorAction.RETRY, 1, (policy.RETRY_LATER, 30.0, 0.0)),
		(ErrorAction.RETRY, 2, (policy.RETRY_LATER, 60.0, 0.0)),
		(ErrorAction.RETRY, 3, (policy.FAIL, None, 0.0)),
		(ErrorAction.THROTTLE, 1, (policy.RETRY_LATER, 30.0, 30.0)),
		(ErrorAction.PAIR_RATE, 1, (policy.RETRY_LATER, 9.0, 0.0)),
		(ErrorAction.DEFER, 1, (policy.RETRY_LATER, 3600.0, 0.0)),
		(ErrorAction.DEFER, 2, (policy.FAIL, None, 0.0)),
		(ErrorAction.NEEDS_TEMPLATE, 1, (policy.FAIL, None, 0.0)),
		(ErrorAction.FIX_INPUT, 1, (policy.FAIL, None, 0.0)),
		(ErrorAction.SUPPRESS, 1, (policy.SKIP, None, 0.0)),
		(ErrorAction.STOP, 1, (policy.PAUSE_CAMPAIGN, None, 0.0)),
	],
)
def test_retry_schedule_per_error_class(action: ErrorAction, attempts: int, expected: tuple) -> None:
	decision = policy.decide(action, attempts, WhatsAppConfig(), rand=lambda: 0.5)
	assert (decision.outcome, decision.delay, decision.slow_device_for) == expected
	assert decision.suppress_number == (action is ErrorAction.SUPPRESS)


def test_retry_backoff_has_jitter_and_a_ceiling() -> None:
	config = WhatsAppConfig(max_retry_attempts=20, retry_backoff_seconds=30, retry_backoff_max_seconds=600)
	low = policy.decide(ErrorAction.RETRY, 1, config, rand=lambda: 0.0).delay
	high = policy.decide(ErrorAction.RETRY, 1, config, rand=lambda: 0.999).delay
	assert low == 15.0 and 44.9 < (high or 0) < 45.0
	assert policy.decide(ErrorAction.RETRY, 10, config, rand=lambda: 0.5).delay == 600.0


def test_auto_pause_needs_a_full_window_and_the_threshold() -> None:
	assert policy.auto_pause_reason([True] * 9, 10, 0.5) is None
	assert policy.auto_pause_reason([True] * 4 + [False] * 6, 10, 0.5) is None
	reason = policy.auto_pause_reason([True] * 5 + [False] * 5 + [True] * 5, 10, 0.5)
	assert reason and reason.startswith("5 of the last 10 messages failed (50%")


def test_campaign_status_transitions() -> None:
	policy.check_transition(CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
	policy.check_transition(CampaignStatus.RUNNING, CampaignStatus.PAUSED)
	policy.check_transition(CampaignStatus.PAUSED, CampaignStatus.RUNNING)
	with pytest.raises(CampaignStateError, match="Cancelled and cannot become Running"):
		policy.check_transition(CampaignStatus.CANCELLED, CampaignStatus.RUNNING)
	with pytest.raises(CampaignStateError):
		policy.check_transition(CampaignStatus.COMPLETED, CampaignStatus.PAUSED)
	assert set(policy.sources_of(CampaignStatus.PAUSED)) == {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING}


def test_idempotency_key_differs_per_run() -> None:
	assert policy.idempotency_key("CAMP-1", "ROW-9", 0) != policy.idempotency_key("CAMP-1", "ROW-9", 1)


# Rendering


def test_render_fills_placeholders_per_recipient() -> None:
	context = {"recipient_name": "Ann", "doc": {"outstanding": 120.5}}
	text = render_text("Hi {{ recipient_name }}, you owe {{ doc.outstanding }}", context, sandboxed_render)
	assert text == "Hi Ann, you owe 120.5"
	assert render_parameters(("{{ recipient_name|upper }}", "fixed"), context, sandboxed_render) == (
		"ANN",
		"fixed",
	)


def test_render_is_sandboxed_and_errors_are_readable() -> None:
	with pytest.raises(InvalidMessage, match="placeholders could not be filled"):
		render_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}, sandboxed_render)
	with pytest.raises(InvalidMessage, match="'missing' is undefined"):
		render_text("Hello {{ missing }}", {}, sandboxed_render)


def test_template_parameter_count_is_checked() -> None:
	check_parameter_count("order_update", 2, 2)
	with pytest.raises(InvalidCampaign, match="has 2 parameter"):
		check_parameter_count("order_update", 2, 1)


# Templates


def test_templates_are_fetched_from_meta_with_their_parameter_counts(fake_graph: FakeGraphApi) -> None:
	fake_graph.set_templates(
		[
			{
				"id": "991",
				"name": "order_update",
				"language": "en_US",
				"status": "APPROVED",
				"category": "UTILITY",
				"components": [
					{"type": "HEADER", "format": "TEXT", "text": "Order"},
					{"type": "BODY", "text": "Hi {{1}}, order {{2}} ships {{2}}."},
				],
			},
			{"id": "992", "name": "hello", "language": "en", "status": "PENDING", "components": []},
		]
	)
	client = GraphClient(f"{fake_graph.url}/v21.0", ACCESS_TOKEN, timeout=5)
	templates = fetch_templates(client, "WABA1")
	assert [(t.name, t.language, t.status, t.parameter_count) for t in templates] == [
		("order_update", "en_US", "APPROVED", 2),
		("hello", "en", "PENDING", 0),
	]
	assert fake_graph.requests[-1].path == "/v21.0/WABA1/message_templates"
	assert parameter_count("Dear {{ name }}, your {{item}} for {{name}}") == 2


def test_csv_recipients_with_and_without_a_header() -> None:
	plain = parse_csv("+14155550101, Ann\n\n+14155550102\n")
	assert [(r.number, r.recipient_name) for r in plain] == [("+14155550101", "Ann"), ("+14155550102", None)]
	headed = parse_csv("Phone,Name,City,Order No\n+14155550103,Bob,Pune,SO-1\n")
	assert headed[0].recipient_name == "Bob" and headed[0].context == {"city": "Pune", "order_no": "SO-1"}
	assert parse_csv("  \n") == []
