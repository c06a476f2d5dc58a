"""The chat page's two reads at scale, over HTTP, side by side with Frappe's `/api/method/ping`:
  - opening a conversation of 10,000 messages (`api.conversations.thread`: the latest 50, plus
    the conversation and its window), and a page deep in its history (`older` cursor);
  - the conversation list over 100,000 conversations (`api.conversations.conversations`: the
    first page of 20, the Unread filter, and a search by number).
Serves the site with gunicorn (2 sync workers, as production does) and logs in as
Administrator (a WhatsApp Manager sees every conversation: the whole table is in play), then as
a WhatsApp User assigned 50 of the 100,000 (the access rule filters the list). Each
round alternates ping and the chat calls so both see the same machine load; figures only.
Generated rows are inserted with bulk SQL and deleted at the end.

Run as the bench user from the sites folder:
  cd <bench>/sites && ../env/bin/python <app>/benchmarks/chat.py --site a2.localhost --port 8012
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import frappe
import frappe.utils
import requests

from whatsapp_integration.site.doctypes import CONVERSATION, DEVICE, MESSAGE_LOG
from whatsapp_integration.testing.processes import start_process, stop_process, wait_until

BENCH_DEVICE = "_Bench Chat Device"
BENCH_USER = "wa-bench-chat-user@example.com"
ASSIGNED_EVERY = 2000  # the WhatsApp User is assigned one conversation in 2,000 (50 of 100,000)
KEY_PREFIX = f"{BENCH_DEVICE}|"
PING = "/api/method/ping"
API = "/api/method/whatsapp_integration.api.conversations."
BASE = ("name", "creation", "modified", "owner", "modified_by")
CONVERSATION_COLUMNS = (
	*BASE,
	"device",
	"contact_number",
	"conversation_key",
	"title",
	"status",
	"unread_count",
	"last_message_at",
	"last_inbound_at",
	"last_direction",
	"last_message_preview",
	"assigned_to",
)
MESSAGE_COLUMNS = (*BASE, "conversation", "device", "direction", "status", "message_type", "text", "wamid")
MESSAGE_COLUMNS += ("from_number", "to_number")


def base_values(at: datetime) -> tuple:
	"""The BASE columns of a generated row made at `at`."""
	return (uuid.uuid4().hex, at, at, "Administrator", "Administrator")


def conversations(count: int, now: datetime) -> list[tuple]:
	rand = random.Random(11)
	rows = []
	for index in range(count):
		at = now - timedelta(seconds=rand.randint(60, 90 * 86400) if index else 0)
		number = f"+4917{index:09d}"
		rows.append(
			(
				*base_values(at),
				BENCH_DEVICE,
				number,
				KEY_PREFIX + number,
				f"Customer {index}",
				"Open",
				rand.choice((0, 0, 0, 1, 3)),
				at,
				at,
				rand.choice(("Inbound", "Outbound")),
				f"Order question {index}",
				BENCH_USER if index % ASSIGNED_EVERY == 1 else None,
			)
		)
	return rows


def thread(conversation: str, number: str, count: int, now: datetime) -> list[tuple]:
	rows = []
	for index in range(count):
		at = now - timedelta(seconds=count - index)
		inbound = index % 2 == 0
		rows.append(
			(
				*base_values(at),
				conversation,
				BENCH_DEVICE,
				"Inbound" if inbound else "Outbound",
				"Received" if inbound else "Read",
				"text",
				f"Message {index} of the long thread",
				f"wamid.benchchat.{uuid.uuid4().hex}",
				number if inbound else None,
				None if inbound else number,
			)
		)
	return rows


def generate(conversation_count: int, message_count: int) -> tuple[str, str]:
	"""Insert the rows; returns the long conversation's name and its number."""
	delete_generated()
	if not frappe.db.exists(DEVICE, BENCH_DEVICE):
		device = {"doctype": DEVICE, "device_name": BENCH_DEVICE, "mode": "Official", "enabled": 0}
		frappe.get_doc({**device, "phone_number_id": "999000111222333"}).insert(ignore_permissions=True)
	latest = frappe.db.sql(f"SELECT MAX(last_message_at) FROM `tab{CONVERSATION}`")[0][0]
	now = max(frappe.utils.now_datetime(), (latest or datetime.min) + timedelta(minutes=5))
	rows = conversations(conversation_count, now)
	long_one = max(rows, key=lambda row: row[1])  # the newest: the top of the list
	frappe.db.bulk_insert(CONVERSATION, CONVERSATION_COLUMNS, rows, chunk_size=5000)
	messages = thread(long_one[0], long_one[6], message_count, now)
	frappe.db.bulk_insert(MESSAGE_LOG, MESSAGE_COLUMNS, messages, chunk_size=5000)
	frappe.db.commit()
	for table in (CONVERSATION, MESSAGE_LOG):
		frappe.db.sql(f"ANALYZE TABLE `tab{table}`")
	return long_one[0], long_one[6]


def ensure_user(password: str) -> None:
	"""A WhatsApp User (no other role) who logs in with `password`."""
	from frappe.utils.password import update_password

	if not frappe.db.exists("User", BENCH_USER):
		user = {"doctype": "User", "email": BENCH_USER, "first_name": "Chat bench", "send_welcome_email": 0}
		frappe.get_doc(user).insert(ignore_permissions=True)
	user = frappe.get_doc("User", BENCH_USER)
	user.add_roles("WhatsApp User")
	update_password(BENCH_USER, password)
	frappe.db.commit()


def delete_generated() -> None:
	frappe.db.sql(f"DELETE FROM `tab{MESSAGE_LOG}` WHERE device = %s", BENCH_DEVICE)
	frappe.db.sql(f"DELETE FROM `tab{CONVERSATION}` WHERE device = %s", BENCH_DEVICE)
	frappe.db.commit()


def timed(session: requests.Session, url: str, params: dict | None = None) -> float:
	start = time.perf_counter()
	response = session.get(url, params=params, timeout=60)
	elapsed = time.perf_counter() - start
	response.raise_for_status()
	return elapsed


def measure(
	session: requests.Session, base: str, calls: dict[str, dict], rounds: int
) -> dict[str, list[float]]:
	"""Each round: one ping, then each chat call once (same load for all)."""
	timings: dict[str, list[float]] = {"ping": [], **{label: [] for label in calls}}
	for _ in range(rounds):
		timings["ping"].append(timed(session, base + PING))
		for label, call in calls.items():
			timings[label].append(timed(session, base + API + call["method"], call["params"]))
	return timings


def user_calls(session: requests.Session, base: str) -> dict[str, dict]:
	listed = session.get(base + API + "conversations").json()["message"]["conversations"]
	assert listed and all(row["assigned_to"] == BENCH_USER for row in listed), "the user sees others'"
	return {"list as a WhatsApp User (50 theirs)": {"method": "conversations", "params": {}}}


def calls_for(session: requests.Session, base: str, conversation: str, number: str) -> dict[str, dict]:
	first = session.get(base + API + "thread", params={"conversation": conversation}).json()["message"]
	assert len(first["messages"]) == 50, f"the thread opened with {len(first['messages'])} messages"
	older = first["older"]
	for _ in range(99):  # a page deep in the history: 100 pages back
		older = session.get(
			base + API + "thread", params={"conversation": conversation, "older": older}
		).json()["message"]["older"]
	listed = session.get(base + API + "conversations").json()["message"]
	assert listed["conversations"][0]["name"] == conversation, "the list does not start at the newest"
	return {
		"thread: open (latest 50)": {"method": "thread", "params": {"conversation": conversation}},
		"thread: page 101 (older cursor)": {
			"method": "thread",
			"params": {"conversation": conversation, "older": older},
		},
		"list: first page of 20": {"method": "conversations", "params": {}},
		"list: Unread": {"method": "conversations", "params": {"filter": "unread"}},
		"list: search by number": {"method": "conversations", "params": {"search": number[-7:]}},
	}


def report(timings: dict[str, list[float]], conversations_total: int, messages: int) -> None:
	ping = statistics.median(timings["ping"])
	print(
		f"{conversations_total:,} conversations, one with {messages:,} messages; {len(timings['ping'])} rounds"
	)
	for label, values in timings.items():
		median = statistics.median(values)
		p95 = sorted(values)[int(0.95 * (len(values) - 1))]
		print(
			f"{label:34} median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  {median / ping:5.1f}x ping"
		)


def main() -> None:
	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--site", default="a2.localhost")
	parser.add_argument("--port", type=int, default=8012)
	parser.add_argument("--password", default="admin")
	parser.add_argument("--conversations", type=int, default=100_000)
	parser.add_argument("--messages", type=int, default=10_000)
	parser.add_argument("--rounds", type=int, default=40)
	args = parser.parse_args()
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	bench = Path(frappe.utils.get_bench_path())
	gunicorn = [str(bench / "env" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{args.port}", "-w", "2"]
	server = start_process(
		[*gunicorn, "-t", "120", "--preload", "frappe.app:application"], "chat-gunicorn.log"
	)
	try:
		start = time.perf_counter()
		conversation, number = generate(args.conversations, args.messages)
		print(f"generated in {time.perf_counter() - start:.1f} s")
		base = f"http://127.0.0.1:{args.port}"
		session = login(base, args.site, "Administrator", args.password)
		calls = calls_for(session, base, conversation, number)
		measure(session, base, calls, 3)  # warm both gunicorn workers
		report(measure(session, base, calls, args.rounds), args.conversations, args.messages)
		ensure_user(args.password)
		user_session = login(base, args.site, BENCH_USER, args.password)
		as_user = user_calls(user_session, base)
		measure(user_session, base, as_user, 3)
		report(measure(user_session, base, as_user, args.rounds), args.conversations, args.messages)
	finally:
		stop_process(server)
		delete_generated()
		print("generated rows deleted")
		frappe.destroy()


def login(base: str, site: str, user: str, password: str) -> requests.Session:
	session = requests.Session()
	session.headers["X-Frappe-Site-Name"] = site
	wait_until(lambda: _answers(session, base), 60, base + PING)
	session.post(base + "/api/method/login", data={"usr": user, "pwd": password}).raise_for_status()
	return session


def _answers(session: requests.Session, base: str) -> bool:
	try:
		return session.get(base + PING, timeout=2).status_code == 200
	except requests.RequestException:
		return False


if __name__ == "__main__":
	main()
