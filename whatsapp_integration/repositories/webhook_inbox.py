"""The webhook inbox on the site's database: `WhatsApp Webhook Event` rows, stored before the
200, claimed under a lease, finished, purged. The inbox service decides; this only stores."""

from __future__ import annotations

from datetime import datetime

import frappe
from frappe.utils import get_datetime, now_datetime

from whatsapp_integration.core.vocabulary import InboxState
from whatsapp_integration.site.doctypes import WEBHOOK_EVENT


class FrappeWebhookInbox:
	"""The `WhatsApp Webhook Event` rows: stored before the 200, processed, purged."""

	def add(self, body: str, size: int) -> str:
		"""Store a verified body as it came (no validation or HTML sanitising of the bytes Meta
		signed). A plain INSERT: this runs for every POST, before the 200."""
		name, now = frappe.generate_hash(length=12), now_datetime()
		frappe.db.sql(
			"""insert into `tabWhatsApp Webhook Event` (name, creation, modified, owner, modified_by,
			docstatus, idx, state, received_at, attempts, content_length, body)
			values (%(name)s, %(now)s, %(now)s, %(user)s, %(user)s, 0, 0, %(queued)s, %(now)s, 0, %(size)s, %(body)s)""",
			{
				"name": name,
				"now": now,
				"user": frappe.session.user,
				"queued": InboxState.QUEUED,
				"size": size,
				"body": body,
			},
		)
		return name

	def claim(self, name: str, now: datetime, lease_until: datetime) -> tuple[str, int, datetime] | None:
		"""Take a row for processing (its body, attempts so far and time received), or None when it is not
		ready or another worker has it. A conditional UPDATE decides, so two workers never both
		win; the lease lets the scheduler take back a row whose worker died."""
		frappe.db.sql(
			"""update `tabWhatsApp Webhook Event` set state = %(processing)s, next_attempt_at = %(lease)s
			where name = %(name)s and (
				(state = %(queued)s and ifnull(next_attempt_at, %(now)s) <= %(now)s)
				or (state = %(processing)s and next_attempt_at <= %(now)s))""",
			{
				"processing": InboxState.PROCESSING,
				"queued": InboxState.QUEUED,
				"lease": lease_until,
				"name": name,
				"now": now,
			},
		)
		claimed = frappe.db._cursor.rowcount == 1
		frappe.db.commit()
		if not claimed:
			return None
		row = frappe.db.get_value(WEBHOOK_EVENT, name, ["body", "attempts", "received_at"], as_dict=True)
		return row.body or "", int(row.attempts or 0), get_datetime(row.received_at)

	def ready(self, now: datetime, limit: int) -> list[str]:
		"""Queued rows that may be processed now, oldest first."""
		frappe.db.commit()  # a fresh snapshot: rows the endpoint committed since are visible
		return frappe.db.sql_list(
			"""select name from `tabWhatsApp Webhook Event`
			where state = %(queued)s and ifnull(next_attempt_at, received_at) <= %(now)s
			order by received_at limit %(limit)s""",
			{"queued": InboxState.QUEUED, "now": now, "limit": limit},
		)

	def finish(
		self, name: str, state: str, attempts: int, note: str, retry_at: datetime | None = None
	) -> None:
		values = {"state": state, "attempts": attempts, "next_attempt_at": retry_at}
		values.update({"result": note, "error": None} if state != InboxState.FAILED else {"error": note})
		if state == InboxState.PROCESSED:
			values["processed_at"] = now_datetime()
		frappe.db.set_value(WEBHOOK_EVENT, name, values, update_modified=False)
		frappe.db.commit()

	def due(self, stale_before: datetime, now: datetime, limit: int) -> list[str]:
		"""Rows no worker finished: Queued since before `stale_before` (the queue was down),
		Queued with a retry time that has come, or Processing with an expired lease."""
		frappe.db.commit()
		return frappe.db.sql_list(
			"""select name from `tabWhatsApp Webhook Event`
			where (state = %(queued)s and (next_attempt_at <= %(now)s
				or (next_attempt_at is null and received_at <= %(stale)s)))
			or (state = %(processing)s and next_attempt_at <= %(now)s)
			order by received_at limit %(limit)s""",
			{
				"queued": InboxState.QUEUED,
				"processing": InboxState.PROCESSING,
				"now": now,
				"stale": stale_before,
				"limit": limit,
			},
		)

	def purge(self, processed_before: datetime) -> int:
		names = frappe.get_all(
			WEBHOOK_EVENT,
			filters={"state": InboxState.PROCESSED, "received_at": ("<", processed_before)},
			pluck="name",
		)
		if names:
			frappe.db.delete(WEBHOOK_EVENT, {"name": ("in", names)})
			frappe.db.commit()
		return len(names)
