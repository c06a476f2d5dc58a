"""core/retry.py: when a failed send is tried again, by the class of its error."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction
from whatsapp_integration.core.retry import retry_delay

CONFIG = WhatsAppConfig(
	max_retry_attempts=6, retry_backoff_seconds=10, retry_backoff_max_seconds=100, pair_rate_seconds=6
)


def fixed(value: float) -> object:
	return lambda: value


@pytest.mark.parametrize("action", [ErrorAction.RETRY, ErrorAction.THROTTLE])
@pytest.mark.parametrize(("attempts", "step"), [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100)])
def test_backoff_doubles_up_to_the_maximum(action: ErrorAction, attempts: int, step: float) -> None:
	assert retry_delay(action, attempts, CONFIG, fixed(0.5)) == pytest.approx(step)


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.5), (0.999, 1.499)])
def test_jitter_spreads_the_step_between_half_and_one_and_a_half(rand: float, factor: float) -> None:
	assert retry_delay(ErrorAction.RETRY, 2, CONFIG, fixed(rand)) == pytest.approx(20 * factor)


def test_real_random_jitter_stays_in_bounds() -> None:
	delays = [retry_delay(ErrorAction.RETRY, 1, CONFIG) for _ in range(200)]
	assert all(5 <= delay < 15 for delay in delays)
	assert len(set(delays)) > 100


@pytest.mark.parametrize("action", list(ErrorAction))
def test_no_retry_once_attempts_reach_the_maximum(action: ErrorAction) -> None:
	assert retry_delay(action, 6, CONFIG, fixed(0.5)) is None
	assert retry_delay(action, 7, CONFIG, fixed(0.5)) is None


@pytest.mark.parametrize(
	"action", [ErrorAction.NEEDS_TEMPLATE, ErrorAction.SUPPRESS, ErrorAction.FIX_INPUT, ErrorAction.STOP]
)
def test_permanent_classes_are_never_retried(action: ErrorAction) -> None:
	assert retry_delay(action, 1, CONFIG, fixed(0.5)) is None


def test_pair_rate_waits_out_metas_gap_to_that_recipient() -> None:
	assert retry_delay(ErrorAction.PAIR_RATE, 1, CONFIG, fixed(0.0)) == pytest.approx(6)
	assert retry_delay(ErrorAction.PAIR_RATE, 3, CONFIG, fixed(0.5)) == pytest.approx(9)


def test_defer_gets_one_late_retry_then_fails() -> None:
	assert retry_delay(ErrorAction.DEFER, 1, CONFIG, fixed(0.5)) == 100
	assert retry_delay(ErrorAction.DEFER, 2, CONFIG, fixed(0.5)) is None


def test_a_single_attempt_configuration_never_retries() -> None:
	config = CONFIG.replace(max_retry_attempts=1)
	assert retry_delay(ErrorAction.RETRY, 1, config, fixed(0.5)) is None
