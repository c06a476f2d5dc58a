"""What keeping conversations costs a campaign batch: `message_log.insert_many` of N outbound rows
to new customers, then again to the same customers (their conversations exist), each timed against
the same insert with the conversation step skipped, side by side in one run.

Run on a bench (rows and conversations are deleted again at the end):
    cd <bench>/sites && ../env/bin/python <app>/benchmarks/campaign_conversations.py --site test.localhost
"""

from __future__ import annotations

import argparse
import time

import frappe
from frappe.utils import now_datetime

from whatsapp_integration.core.records import MessageRecord
from whatsapp_integration.repositories import conversations, message_log
from whatsapp_integration.site.doctypes import CONVERSATION, MESSAGE_LOG

DEVICE = "_Bench Conversations Device"
PREFIX = "bench-conversations:"


def batch(numbers: list[str]) -> list[tuple[str, MessageRecord]]:
	logs = []
	for number in numbers:
		record = MessageRecord(to_number=number, device=DEVICE, text="Our offer", status="Sent")
		record.created_at, record.idempotency_key = now_datetime(), PREFIX + frappe.generate_hash()
		logs.append((frappe.generate_hash(length=10), record))
	return logs


def timed_insert(numbers: list[str], keep_conversations: bool) -> float:
	logs = batch(numbers)
	original = conversations.record_many
	if not keep_conversations:
		conversations.record_many = lambda messages: [None] * len(messages)
	try:
		start = time.perf_counter()
		message_log.insert_many(logs, lambda name, record, error: None)
		frappe.db.commit()
		return time.perf_counter() - start
	finally:
		conversations.record_many = original


def run(rows: int) -> None:
	numbers = [f"+4478{index:08d}" for index in range(50_000_000, 50_000_000 + rows)]
	skipped = timed_insert(numbers, keep_conversations=False)
	new = timed_insert(numbers, keep_conversations=True)
	again = timed_insert(numbers, keep_conversations=True)
	print(f"{rows} rows, without conversations: {skipped * 1000:8.0f} ms")
	print(f"{rows} rows, new conversations    : {new * 1000:8.0f} ms  ({new / skipped:.2f}x)")
	print(f"{rows} rows, existing ones updated: {again * 1000:8.0f} ms  ({again / skipped:.2f}x)")


def clean_up() -> None:
	frappe.db.delete(MESSAGE_LOG, {"idempotency_key": ("like", PREFIX + "%")})
	frappe.db.delete(CONVERSATION, {"device": DEVICE})
	frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--site", default="test.localhost")
	parser.add_argument("--rows", type=int, default=500)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	try:
		clean_up()
		run(args.rows)
	finally:
		clean_up()
		frappe.destroy()


if __name__ == "__main__":
	main()
