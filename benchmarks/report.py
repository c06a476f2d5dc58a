"""WhatsApp Message Analytics on 100,000 generated Message Log rows: cold (stats cache empty)
and cached. Targets: < 1 s cold, < 50 ms cached.

Run on a bench (rows are inserted with bulk SQL and deleted again at the end):
    cd <bench>/sites && ../env/bin/python <app>/benchmarks/report.py --site test.localhost
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import frappe
from frappe.utils import now_datetime

DEVICES = [f"_Bench Report Device {index}" for index in range(4)]
DAYS = 30


def timed(call: Callable[[], object], repeat: int) -> list[float]:
	timings = []
	for _ in range(repeat):
		start = time.perf_counter()
		call()
		timings.append(time.perf_counter() - start)
	return timings


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--rows", type=int, default=100_000)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		run(args.rows)
	finally:
		frappe.destroy()


def run(rows: int) -> None:
	from whatsapp_integration.operations.stats_cache import clear_stats_cache
	from whatsapp_integration.site.settings import get_config
	from whatsapp_integration.tests.log_rows import delete_rows, insert_rows, random_rows
	from whatsapp_integration.whatsapp_integration.report.whatsapp_message_analytics import (
		whatsapp_message_analytics as report,
	)

	end = now_datetime()
	delete_rows(DEVICES)
	start = time.perf_counter()
	inserted = insert_rows(random_rows(rows, DEVICES, end, DAYS))
	frappe.db.commit()
	print(f"inserted {inserted} rows in {time.perf_counter() - start:.1f} s (bulk INSERT, 5,000 rows each)")
	filters = {"from_date": (end - timedelta(days=DAYS - 1)).date(), "to_date": end.date()}
	try:
		frappe.db.sql("ANALYZE TABLE `tabWhatsApp Message Log`")

		def cold() -> object:
			clear_stats_cache()
			return report.execute(filters)

		cold_times = timed(cold, 7)
		report.execute(filters)
		cached_times = timed(lambda: report.execute(filters), 50)
		device_times = timed(
			lambda: (clear_stats_cache(), report.execute({**filters, "device": DEVICES[0]})), 5
		)
		_columns, data, _message, _chart, summary = report.execute(filters)
		total = next(item["value"] for item in summary if item["label"] == "Messages")
		print(
			f"stats_cache_ttl = {get_config().stats_cache_ttl} s; report rows = {len(data)}, messages counted = {total}"
		)
		print(
			f"cold   (cache cleared), all devices: median {ms(cold_times)}  min {ms([min(cold_times)])}  max {ms([max(cold_times)])}"
		)
		print(f"cold   (cache cleared), one device:  median {ms(device_times)}")
		print(
			f"cached (from Redis):                 median {ms(cached_times)}  max {ms([max(cached_times)])}"
		)
		print(f"cold / cached ratio: {statistics.median(cold_times) / statistics.median(cached_times):.0f}x")
	finally:
		delete_rows(DEVICES)
		frappe.db.commit()
		clear_stats_cache()
		print("generated rows deleted")


def ms(timings: list[float]) -> str:
	return f"{statistics.median(timings) * 1000:7.1f} ms"


if __name__ == "__main__":
	main()
