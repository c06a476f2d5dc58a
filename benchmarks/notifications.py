"""WhatsApp Notification: (1) the time a document save takes with 0 and with 5 matching rules,
measured side by side in alternating rounds of one run, with the HTTP requests this process makes
during the saves (must be 0: rules are evaluated by a job after commit) and the jobs enqueued;
(2) a Days Before rule over 100,000 documents: the day's range query without and with an index on
the date field, and the whole run (query, documents, outbox sends to the fake Graph API).

Run as the bench user from the sites folder (test rows are bulk-inserted and deleted at the end):
    cd <bench>/sites && ../env/bin/python <app>/benchmarks/notifications.py --site b1.localhost
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import frappe
import requests.adapters

BENCH_PREFIX = "WABENCH-"
CHUNK = 5_000


class Counter:
	def __init__(self) -> None:
		self.count = 0


def counting(target: Any, attribute: str, counter: Counter) -> Callable[[], None]:
	"""Count calls of `target.attribute` (a library function) until the returned undo is called."""
	original = getattr(target, attribute)

	def counted(*args: Any, **kwargs: Any) -> Any:
		counter.count += 1
		return original(*args, **kwargs)

	setattr(target, attribute, counted)
	return lambda: setattr(target, attribute, original)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--site", default="b1.localhost")
	parser.add_argument("--saves", type=int, default=100, help="saves per round")
	parser.add_argument("--rounds", type=int, default=5)
	parser.add_argument("--documents", type=int, default=100_000)
	parser.add_argument("--port", type=int, default=8721, help="the fake Graph API's port")
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		run(args)
	finally:
		frappe.destroy()


def run(args: argparse.Namespace) -> None:
	from whatsapp_integration.tests import notification_utils as fixtures
	from whatsapp_integration.tests.campaign_utils import FakeGraphProcess, point_settings_at

	frappe.set_user("Administrator")
	fixtures.ensure_test_doctype()
	fixtures.ensure_template()
	graph = FakeGraphProcess(args.port, no_bodies=True)
	try:
		point_settings_at(graph)
		save_times(args.saves, args.rounds)
		days_before(args.documents, graph)
	finally:
		graph.stop()
		cleanup()


def rules(count: int) -> list[str]:
	from whatsapp_integration.tests import notification_utils as fixtures

	# Each fires on an insert (New or Save); the condition, evaluated by the job after commit,
	# is false so that no worker of the bench sends anything for these benchmark documents.
	events = ["New", "Save", "New", "Save", "Save"][:count]
	return [fixtures.new_rule(event, condition="doc.amount < 0", title=f"Bench {event}") for event in events]


def save_times(saves: int, rounds: int) -> None:
	from whatsapp_integration.site.doctypes import NOTIFICATION
	from whatsapp_integration.site.notifications import clear_rules_cache
	from whatsapp_integration.tests import notification_utils as fixtures

	names = rules(5)
	http, jobs = Counter(), Counter()
	undo = [counting(requests.adapters.HTTPAdapter, "send", http), counting(frappe, "enqueue", jobs)]
	timings: dict[int, list[float]] = {0: [], 5: []}
	calls: dict[int, tuple[int, int]] = {0: (0, 0), 5: (0, 0)}
	try:
		for _round in range(rounds):
			for enabled in (0, 5):
				frappe.db.set_value(NOTIFICATION, {"name": ("in", names)}, "enabled", 1 if enabled else 0)
				frappe.db.commit()
				clear_rules_cache()
				http.count = jobs.count = 0
				for _ in range(saves):
					start = time.perf_counter()
					fixtures.new_appointment("+919800000000")
					frappe.db.commit()
					timings[enabled].append(time.perf_counter() - start)
				previous = calls[enabled]
				calls[enabled] = (previous[0] + http.count, previous[1] + jobs.count)
	finally:
		for step in undo:
			step()
	frappe.db.delete(NOTIFICATION, {"name": ("in", names)})
	frappe.db.commit()
	zero, five = statistics.median(timings[0]), statistics.median(timings[5])
	print(f"save (insert + commit), {rounds} alternating rounds of {saves}:")
	print(
		f"  0 rules: median {zero * 1000:.2f} ms, p95 {p95(timings[0]) * 1000:.2f} ms; HTTP calls {calls[0][0]}, jobs {calls[0][1]}"
	)
	print(
		f"  5 rules: median {five * 1000:.2f} ms, p95 {p95(timings[5]) * 1000:.2f} ms; HTTP calls {calls[5][0]}, jobs {calls[5][1]}"
	)
	print(f"  5 rules / 0 rules: {five / zero:.3f}x (+{(five - zero) * 1000:.2f} ms per save)")


def p95(values: list[float]) -> float:
	return sorted(values)[int(len(values) * 0.95) - 1]


def days_before(documents: int, graph: Any) -> None:
	from frappe.utils import add_days, getdate, now_datetime

	from whatsapp_integration.core.notification import dates
	from whatsapp_integration.site import notifications
	from whatsapp_integration.tests import notification_utils as fixtures

	today = getdate(now_datetime())
	spread = 1000  # days the appointments spread over: about documents / 1000 on each day
	inserted = insert_documents(documents, today, spread)
	table = f"tab{fixtures.DOCTYPE}"
	drop_index(table)
	frappe.db.commit()
	day = add_days(today, 3)

	def query() -> list[str]:
		filters = {"appointment_date": day, "docstatus": ("<", 2)}
		return frappe.get_all(fixtures.DOCTYPE, filters=filters, pluck="name")

	without = best_of(query, 5)
	notifications.ensure_date_index(fixtures.DOCTYPE, "appointment_date")
	with_index = best_of(query, 5)
	on_day = len(query())
	window = dates.day_window(today, day)
	dry = fixtures.new_rule(
		"Days Before", date_field="appointment_date", days=3, title="Bench Dry", condition="doc.amount < 0"
	)
	start = time.perf_counter()
	notifications.run_date_rule(dry, window)  # query, load and check every document; send nothing
	evaluation = time.perf_counter() - start
	rule = fixtures.new_rule("Days Before", date_field="appointment_date", days=3, title="Bench Days Before")
	graph.reset()
	start = time.perf_counter()
	notifications.run_date_rule(rule, window)
	elapsed = time.perf_counter() - start
	sent = len(graph.requests())
	start = time.perf_counter()
	notifications.run_date_rule(rule, window)  # the same day again: every key exists, nothing sent
	again = time.perf_counter() - start
	print(f"Days Before over {inserted:,} documents ({on_day} on the day):")
	print(
		f"  range query: {without * 1000:.1f} ms without an index, {with_index * 1000:.2f} ms with ({without / with_index:.0f}x)"
	)
	print(f"  evaluation without sending (condition false for every document): {evaluation:.2f} s")
	print(
		f"  whole run: {elapsed:.2f} s, {sent} messages sent ({sent / elapsed:.0f} msg/s); the same day again: {again:.2f} s, {len(graph.requests()) - sent} more sent"
	)


def best_of(call: Callable[[], object], repeat: int) -> float:
	timings = []
	for _ in range(repeat):
		start = time.perf_counter()
		call()
		timings.append(time.perf_counter() - start)
	return min(timings)


def insert_documents(count: int, today: Any, spread: int) -> int:
	from frappe.utils import add_days, now_datetime

	from whatsapp_integration.tests import notification_utils as fixtures

	cleanup()
	now = now_datetime()
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"docstatus",
		"customer_name",
		"mobile_no",
	]
	fields += ["appointment_date", "status", "amount"]
	start = time.perf_counter()
	for first in range(0, count, CHUNK):
		rows = [
			(
				f"{BENCH_PREFIX}{index:07d}",
				now,
				now,
				"Administrator",
				"Administrator",
				1,
				f"Customer {index}",
				f"+9198{index:08d}",
				add_days(today, index % spread),
				"Open",
				index,
			)
			for index in range(first, min(first + CHUNK, count))
		]
		frappe.db.bulk_insert(fixtures.DOCTYPE, fields, rows)
	frappe.db.commit()
	print(f"inserted {count:,} documents in {time.perf_counter() - start:.1f} s")
	return count


def drop_index(table: str) -> None:
	for (key,) in frappe.db.sql(
		"select distinct index_name from information_schema.statistics where table_schema=database() "
		"and table_name=%s and column_name='appointment_date'",
		table,
	):
		frappe.db.sql_ddl(f"alter table `{table}` drop index `{key}`")


def cleanup() -> None:
	from whatsapp_integration.site.doctypes import NOTIFICATION
	from whatsapp_integration.tests import notification_utils as fixtures

	frappe.db.delete(fixtures.DOCTYPE, {"name": ("like", f"{BENCH_PREFIX}%")})
	frappe.db.delete(fixtures.DOCTYPE, {"mobile_no": "+919800000000"})
	frappe.db.delete(NOTIFICATION, {"title": ("like", "Bench %")})
	frappe.db.commit()


if __name__ == "__main__":
	main()
