"""Measuring pacing where requests arrive: timestamps at the fake Graph API, busiest second."""

from __future__ import annotations

import time

from whatsapp_integration.testing.fake_graph import FakeGraphApi


class ArrivalTimes(list):
	"""A fake Graph API's request list that notes when each request arrived (monotonic)."""

	def __init__(self) -> None:
		super().__init__()
		self.times: list[float] = []

	def append(self, item: object) -> None:
		self.times.append(time.monotonic())
		super().append(item)


def record_arrivals(graph: FakeGraphApi) -> ArrivalTimes:
	"""Start timing the requests `graph` receives from now on."""
	arrivals = ArrivalTimes()
	with graph.state.lock:
		graph.state.requests = arrivals
	return arrivals


def busiest_second(times: list[float]) -> int:
	"""The most requests in any one-second window [t, t + 1)."""
	times = sorted(times)
	most, first = 0, 0
	for last, at in enumerate(times):
		while at - times[first] >= 1.0:
			first += 1
		most = max(most, last - first + 1)
	return most


def achieved_rate(times: list[float]) -> float:
	"""Requests per second between the first and the last arrival."""
	return (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else 0.0
