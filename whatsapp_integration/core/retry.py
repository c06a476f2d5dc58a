"""When to try a failed send again, by the class of its error."""

from __future__ import annotations

import random
from collections.abc import Callable

from whatsapp_integration.core.config import WhatsAppConfig
from whatsapp_integration.core.errors import ErrorAction

DEFER_ATTEMPTS = 2  # the first try plus one late retry


def retry_delay(
	action: ErrorAction,
	attempts: int,
	config: WhatsAppConfig,
	rand: Callable[[], float] = random.random,
) -> float | None:
	"""Seconds to wait before attempt `attempts + 1`, or None when the send must fail now.

	`attempts` counts the tries made so far (1 after the first failure). RETRY and THROTTLE
	back off exponentially with full jitter in [0.5, 1.5) of the step; PAIR_RATE waits out
	Meta's per-recipient gap; DEFER gets one late retry at the longest backoff.
	"""
	if not action.retryable or attempts >= config.max_retry_attempts:
		return None
	if action is ErrorAction.PAIR_RATE:
		return config.pair_rate_seconds * (1.0 + rand())
	if action is ErrorAction.DEFER:
		return config.retry_backoff_max_seconds if attempts < DEFER_ATTEMPTS else None
	step = min(config.retry_backoff_max_seconds, config.retry_backoff_seconds * 2 ** (attempts - 1))
	return step * (0.5 + rand())
