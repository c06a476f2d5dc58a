"""core/ratelimit.py: token buckets in memory (testing.memory_rate_limiter, injected clock) and in
a real redis-server."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from whatsapp_integration.core.errors import RateLimited
from whatsapp_integration.core.ratelimit import (
	RateLimiter,
	acquire,
	pace,
	refill,
)
from whatsapp_integration.repositories.redis_stores import RedisRateLimiter
from whatsapp_integration.testing.memory_rate_limiter import MemoryRateLimiter


class ManualClock:
	def __init__(self) -> None:
		self.now = 1000.0
		self.sleeps: list[float] = []

	def __call__(self) -> float:
		return self.now

	def sleep(self, seconds: float) -> None:
		self.sleeps.append(seconds)
		self.now += seconds


def take(limiter: RateLimiter, key: str, rate: float, burst: float, times: int) -> list[float]:
	return [limiter.try_acquire(key, rate, burst) for _ in range(times)]


def test_refill_is_capped_at_the_burst() -> None:
	assert refill(0, 10, 12, rate=2, burst=10) == 4
	assert refill(3, 10, 100, rate=2, burst=10) == 10
	assert refill(5, 10, 9, rate=2, burst=10) == 5  # a clock going backwards adds nothing


class TestMemoryRateLimiter:
	def test_a_full_bucket_allows_the_burst_then_says_how_long_to_wait(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		assert take(limiter, "k", rate=2, burst=5, times=5) == [0.0] * 5
		assert limiter.try_acquire("k", 2, 5) == pytest.approx(0.5)

	def test_refusals_do_not_spend_tokens(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		take(limiter, "k", 1, 1, 1)
		assert take(limiter, "k", 1, 1, 3) == [pytest.approx(1.0)] * 3
		clock.now += 1.0
		assert limiter.try_acquire("k", 1, 1) == 0.0

	def test_tokens_refill_at_the_rate(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		take(limiter, "k", rate=4, burst=4, times=4)
		clock.now += 0.5
		assert take(limiter, "k", 4, 4, 3) == [0.0, 0.0, pytest.approx(0.25)]

	def test_a_partly_refilled_bucket_reports_the_remaining_wait(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		take(limiter, "k", rate=0.5, burst=1, times=1)
		clock.now += 1.5
		assert limiter.try_acquire("k", 0.5, 1) == pytest.approx(0.5)

	def test_several_tokens_at_once(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		assert limiter.try_acquire("k", 1, 10, tokens=8) == 0.0
		assert limiter.try_acquire("k", 1, 10, tokens=5) == pytest.approx(3.0)

	def test_keys_are_separate_budgets(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		take(limiter, "a", 1, 2, 2)
		assert limiter.try_acquire("a", 1, 2) > 0
		assert limiter.try_acquire("b", 1, 2) == 0.0

	def test_threads_never_exceed_the_budget(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		granted = hammer_with_threads(limiter, "shared", threads=8, tries=200, rate=1, burst=300)
		assert granted == 300


class TestAcquire:
	def test_sleeps_while_the_wait_is_within_max_wait(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		for _ in range(3):
			acquire(limiter, "k", rate=10, burst=1, max_wait=0.5, sleep=clock.sleep)
		assert clock.sleeps == [pytest.approx(0.1), pytest.approx(0.1)]

	def test_raises_with_retry_after_when_the_wait_is_too_long(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		acquire(limiter, "user:ana", rate=1, burst=1, sleep=clock.sleep)
		with pytest.raises(RateLimited) as caught:
			acquire(limiter, "user:ana", rate=1, burst=1, max_wait=0.5, sleep=clock.sleep, what="your sends")
		assert caught.value.retry_after == pytest.approx(1.0)
		assert (
			str(caught.value)
			== "The rate limit for your sends is reached (1 per second). Try again in 1.0 s."
		)
		assert clock.sleeps == []


class TestReserveAndPace:
	def test_slots_are_booked_ahead_one_per_interval(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		waits = [limiter.reserve("k", 10, 1, max_wait=1.0) for _ in range(4)]
		assert waits == [0.0, pytest.approx(0.1), pytest.approx(0.2), pytest.approx(0.3)]

	def test_a_slot_past_max_wait_books_nothing(self) -> None:
		limiter = MemoryRateLimiter(clock=ManualClock())
		limiter.reserve("k", 10, 1, max_wait=1.0)
		assert limiter.reserve("k", 10, 1, max_wait=0.05) == pytest.approx(0.1)
		assert limiter.reserve("k", 10, 1, max_wait=1.0) == pytest.approx(0.1)

	def test_pace_keeps_the_schedule_when_the_caller_is_slow_and_wakes_late(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		sends = []
		for _ in range(10):
			pace(
				limiter,
				"k",
				10,
				1,
				max_wait=1.0,
				slack=0.01,
				sleep=lambda s: clock.sleep(s + 0.005),
				clock=clock,
			)
			sends.append(clock.now)
			clock.now += 0.06  # the send itself
		assert sends[-1] - sends[0] == pytest.approx(0.9 + 0.005)

	def test_pace_takes_the_next_slot_once_when_it_woke_up_too_late(self) -> None:
		clock = ManualClock()
		limiter = MemoryRateLimiter(clock=clock)
		pace(limiter, "k", 10, 1, max_wait=1.0, slack=0.01, sleep=clock.sleep, clock=clock)
		pace(
			limiter, "k", 10, 1, max_wait=1.0, slack=0.01, sleep=lambda s: clock.sleep(s + 0.03), clock=clock
		)
		assert clock.now == pytest.approx(1000.23), "slot 0.1 missed, late again for slot 0.2: it goes"


def hammer_with_threads(
	limiter: RateLimiter, key: str, threads: int, tries: int, rate: float, burst: float
) -> int:
	granted = []
	start = threading.Barrier(threads)

	def worker() -> None:
		start.wait()
		granted.append(sum(1 for _ in range(tries) if limiter.try_acquire(key, rate, burst) == 0.0))

	workers = [threading.Thread(target=worker) for _ in range(threads)]
	for thread in workers:
		thread.start()
	for thread in workers:
		thread.join()
	return sum(granted)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
	client = redis.Redis.from_url(redis_url)
	yield client
	client.close()


@pytest.fixture
def bucket() -> str:
	return f"test:{uuid.uuid4().hex}"


@pytest.mark.redis
class TestRedisRateLimiter:
	def test_burst_then_wait_figure(self, redis_client: redis.Redis, bucket: str) -> None:
		limiter = RedisRateLimiter(redis_client)
		assert take(limiter, bucket, rate=1, burst=3, times=3) == [0.0] * 3
		wait = limiter.try_acquire(bucket, 1, 3)
		assert 0.9 < wait <= 1.0

	def test_refill_over_real_time(self, redis_client: redis.Redis, bucket: str) -> None:
		limiter = RedisRateLimiter(redis_client)
		take(limiter, bucket, rate=20, burst=2, times=2)
		assert limiter.try_acquire(bucket, 20, 2) > 0
		time.sleep(0.12)  # 2.4 tokens' worth, capped at the burst of 2
		assert take(limiter, bucket, 20, 2, 3)[:2] == [0.0, 0.0]

	def test_several_tokens_and_separate_keys(self, redis_client: redis.Redis, bucket: str) -> None:
		limiter = RedisRateLimiter(redis_client)
		assert limiter.try_acquire(bucket, 1, 10, tokens=8) == 0.0
		assert 2.9 < limiter.try_acquire(bucket, 1, 10, tokens=5) <= 3.0
		assert limiter.try_acquire(bucket + ":other", 1, 10, tokens=10) == 0.0

	def test_buckets_live_under_the_prefix_and_expire(self, redis_client: redis.Redis, bucket: str) -> None:
		limiter = RedisRateLimiter(redis_client, prefix="wa-test:")
		limiter.try_acquire(bucket, rate=2, burst=10)
		assert redis_client.exists("wa-test:" + bucket)
		assert 0 < redis_client.ttl("wa-test:" + bucket) <= 6

	def test_threads_sharing_one_budget_never_exceed_it(self, redis_client: redis.Redis, bucket: str) -> None:
		limiter = RedisRateLimiter(redis_client)
		assert hammer_with_threads(limiter, bucket, threads=8, tries=50, rate=0.001, burst=150) == 150

	def test_processes_sharing_one_budget_never_exceed_it(self, redis_url: str, bucket: str) -> None:
		script = textwrap.dedent(
			f"""
			import redis
			from whatsapp_integration.repositories.redis_stores import RedisRateLimiter
			limiter = RedisRateLimiter(redis.Redis.from_url({redis_url!r}))
			print(sum(1 for _ in range(300) if limiter.try_acquire({bucket!r}, 0.001, 250) == 0.0))
			"""
		)
		workers = [
			subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
			for _ in range(3)
		]
		granted = [int(worker.communicate(timeout=60)[0]) for worker in workers]
		assert sum(granted) == 250
