"""core/errors.py: every code of Meta's error table maps to its class; the rest by HTTP status."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.errors import (
	ErrorAction,
	GraphApiError,
	RateLimited,
	SendFailed,
	WhatsAppError,
	advice_for,
	classify,
)

# The table of Meta Cloud API error codes (the project's shared reference notes), transcribed class by class.
META_ERROR_TABLE = {
	ErrorAction.RETRY: (1, 2, 131000, 131016),
	ErrorAction.THROTTLE: (130429, 4, 80007),
	ErrorAction.PAIR_RATE: (131056,),
	ErrorAction.DEFER: (131049, 131026),
	ErrorAction.NEEDS_TEMPLATE: (131047,),
	ErrorAction.SUPPRESS: (131050, 131021),
	ErrorAction.FIX_INPUT: (
		100,
		131008,
		131009,
		132000,
		132001,
		132005,
		132007,
		132012,
		132015,
		132016,
		131051,
		131052,
		131053,
	),
	ErrorAction.STOP: (131048, 368, 131031, 131042, 190, 10, 200, 133010),
}
TABLE_ROWS = [(code, action) for action, codes in META_ERROR_TABLE.items() for code in codes]


def test_the_table_has_one_class_per_action() -> None:
	"""Every action but IN_DOUBT (ours: a WhatsApp Web failure after the send click) is Meta's."""
	assert set(META_ERROR_TABLE) == set(ErrorAction) - {ErrorAction.IN_DOUBT}
	assert len(TABLE_ROWS) == len({code for code, _ in TABLE_ROWS}) == 34


@pytest.mark.parametrize(("code", "action"), TABLE_ROWS, ids=[str(code) for code, _ in TABLE_ROWS])
@pytest.mark.parametrize("http_status", [400, 403, 429, 500, None])
def test_every_code_of_the_table_maps_to_its_class(
	code: int, action: ErrorAction, http_status: int | None
) -> None:
	"""A known code wins whatever HTTP status it arrives with."""
	assert classify(code, http_status) is action


@pytest.mark.parametrize("http_status", [500, 502, 503, 504, 599, 408])
def test_server_errors_and_request_timeouts_are_transient(http_status: int) -> None:
	assert classify(None, http_status) is ErrorAction.RETRY
	assert classify(999999, http_status) is ErrorAction.RETRY


def test_no_answer_at_all_is_transient() -> None:
	assert classify(None, None) is ErrorAction.RETRY


def test_http_429_without_a_known_code_throttles() -> None:
	assert classify(None, 429) is ErrorAction.THROTTLE
	assert classify(424242, 429) is ErrorAction.THROTTLE


@pytest.mark.parametrize(
	("code", "http_status"), [(None, 400), (None, 404), (135000, 400), (9, 403), (None, 401)]
)
def test_unknown_4xx_means_the_input_must_change(code: int | None, http_status: int) -> None:
	assert classify(code, http_status) is ErrorAction.FIX_INPUT


@pytest.mark.parametrize(
	("action", "retryable"),
	[
		(ErrorAction.RETRY, True),
		(ErrorAction.THROTTLE, True),
		(ErrorAction.PAIR_RATE, True),
		(ErrorAction.DEFER, True),
		(ErrorAction.NEEDS_TEMPLATE, False),
		(ErrorAction.SUPPRESS, False),
		(ErrorAction.FIX_INPUT, False),
		(ErrorAction.STOP, False),
		(ErrorAction.IN_DOUBT, False),
	],
)
def test_which_actions_are_retried(action: ErrorAction, retryable: bool) -> None:
	assert action.retryable is retryable


@pytest.mark.parametrize("code", [190, 131047, 131050, 131026, 368, 133010])
def test_common_codes_have_actionable_advice(code: int) -> None:
	advice = advice_for(code)
	assert advice and advice.endswith(".") and len(advice) > 30


def test_unknown_or_missing_codes_have_no_advice() -> None:
	assert advice_for(None) is None
	assert advice_for(123456789) is None


def test_send_failed_classifies_itself_unless_told() -> None:
	failure = SendFailed(
		"Template missing", code=132001, http_status=400, title="Template name does not exist"
	)
	assert failure.action is ErrorAction.FIX_INPUT
	assert (failure.reason, failure.code, failure.http_status) == ("Template missing", 132001, 400)
	assert str(failure) == "Template missing"
	assert SendFailed("x", code=132001, action=ErrorAction.STOP).action is ErrorAction.STOP
	assert isinstance(GraphApiError("x"), SendFailed) and isinstance(failure, WhatsAppError)


def test_rate_limited_carries_the_wait() -> None:
	limited = RateLimited("slow down", retry_after=2.5)
	assert limited.retry_after == 2.5 and str(limited) == "slow down"
