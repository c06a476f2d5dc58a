"""Bulk-generated WhatsApp Message Log rows for bench tests and benchmarks: multi-row INSERTs,
thousands of rows per statement, deleted again by their marker device."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import frappe

COLUMNS = (
	"name",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
	"idx",
	"direction",
	"device",
	"status",
	"to_number",
	"message_type",
	"attempts",
	"sent_at",
	"error_code",
	"error_title",
)
BATCH = 5000
ROWS_NUMBER = "+919876543210"
"""The customer of every generated row."""
FAILURES = ((131026, "Message undeliverable"), (131047, "Re-engagement message"), (190, "Session expired"))


@dataclass(frozen=True)
class LogRow:
	created: datetime
	device: str
	status: str
	direction: str = "Outbound"
	latency_seconds: float | None = 1.0
	error_code: int | None = None
	error_title: str | None = None


def insert_rows(rows: Iterable[LogRow]) -> int:
	batch: list[LogRow] = []
	count = 0
	for row in rows:
		batch.append(row)
		if len(batch) == BATCH:
			count += _insert(batch)
			batch = []
	return count + (_insert(batch) if batch else 0)


def _insert(rows: list[LogRow]) -> int:
	placeholders = ", ".join(["(" + ", ".join(["%s"] * len(COLUMNS)) + ")"] * len(rows))
	values: list[object] = []
	for row in rows:
		sent_at = (
			row.created + timedelta(seconds=row.latency_seconds)
			if row.latency_seconds is not None and row.status not in ("Queued", "Failed")
			else None
		)
		values += [
			uuid.uuid4().hex[:10],
			row.created,
			row.created,
			"Administrator",
			"Administrator",
			0,
			0,
			row.direction,
			row.device,
			row.status,
			ROWS_NUMBER,
			"text",
			1,
			sent_at,
			row.error_code or 0,
			row.error_title,
		]
	columns = ", ".join(f"`{column}`" for column in COLUMNS)
	frappe.db.sql(f"INSERT INTO `tabWhatsApp Message Log` ({columns}) VALUES {placeholders}", values)
	return len(rows)


def random_rows(count: int, devices: list[str], end: datetime, days: int, seed: int = 7) -> Iterable[LogRow]:
	"""`count` rows spread over `days` days before `end`, with a realistic status mix."""
	rand = random.Random(seed)
	statuses = ("Sent",) * 10 + ("Delivered",) * 30 + ("Read",) * 45 + ("Failed",) * 10 + ("Queued",) * 5
	for _ in range(count):
		status = rand.choice(statuses)
		code, title = rand.choice(FAILURES) if status == "Failed" else (None, None)
		yield LogRow(
			created=end - timedelta(seconds=rand.randint(0, days * 86400 - 1)),
			device=rand.choice(devices),
			status=status,
			direction="Inbound" if rand.random() < 0.1 else "Outbound",
			latency_seconds=rand.uniform(0.2, 3.0),
			error_code=code,
			error_title=title,
		)


def delete_rows(devices: list[str]) -> None:
	frappe.db.sql("DELETE FROM `tabWhatsApp Message Log` WHERE device IN %(devices)s", {"devices": devices})
