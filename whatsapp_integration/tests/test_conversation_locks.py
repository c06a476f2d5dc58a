"""Two campaign dispatchers keeping the conversations of one device at once: each batch runs in
its own database connection (as in two RQ workers) and commits as `save_outcomes` does. Their
customers interleave (their conversations fall into the same index gaps) and some customers are
in both batches: new ones in every round, known ones every other round (the others start on a
device without conversations). No batch may end in a MariaDB deadlock (1213; the old locking read
by number did in the first round), and every customer keeps exactly one conversation.

Run: CI=1 bench --site <site> run-tests --module whatsapp_integration.tests.test_conversation_locks
"""

from __future__ import annotations

import threading

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from whatsapp_integration.core.conversation import MessageSeen
from whatsapp_integration.core.vocabulary import Direction
from whatsapp_integration.repositories import conversations
from whatsapp_integration.site.doctypes import CONVERSATION
from whatsapp_integration.tests.utils import RUN_ID, unique_digits

ROUNDS = 6
OWN = 40  # customers of one batch only, per round
SHARED = 5  # customers in both batches, per round (as many new as known)


def messages(device: str, numbers: list[str], preview: str) -> list[MessageSeen]:
	at = now_datetime()
	return [MessageSeen(device, Direction.OUTBOUND, at, preview, number=number) for number in numbers]


def run_batch(site: str, sites_path: str, batch: list[MessageSeen], start: threading.Barrier) -> str:
	"""`batch` in a connection of its own, started together with the other batch; the error's
	text, or "" when it committed."""
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	try:
		start.wait(timeout=60)
		conversations.record_many(batch)
		frappe.db.commit()
		return ""
	except Exception as error:
		frappe.db.rollback()
		return f"{type(error).__name__}: {error}"
	finally:
		frappe.destroy()


class TestConversationLocks(FrappeTestCase):
	def test_two_batches_of_one_device_never_deadlock(self) -> None:
		for round_ in range(ROUNDS):
			device = f"_Test Lock Device {RUN_ID} {round_}"  # a device with no conversation yet
			base = int(unique_digits(8))
			numbers = [f"+4477{(base + index) % 10**8:08d}" for index in range(2 * OWN + 2 * SHARED)]
			own, shared_new, shared_known = (
				numbers[: 2 * OWN],
				numbers[-2 * SHARED : -SHARED],
				numbers[-SHARED:],
			)
			if round_ % 2:  # every other device already has conversations
				conversations.record_many(messages(device, shared_known, "known"))
				frappe.db.commit()
			batches = [
				messages(device, [*own[side::2], *shared_new, *shared_known], f"batch {side}")
				for side in (0, 1)
			]
			self.assertEqual(self.run_together(batches), ["", ""], f"round {round_}")
			frappe.db.commit()  # a fresh snapshot: the batches committed in connections of their own
			rows = frappe.get_all(
				CONVERSATION,
				filters={"device": device},
				fields=["contact_number", "last_message_preview", "last_message_at"],
			)
			self.assertCountEqual([row.contact_number for row in rows], numbers)
			self.assertEqual({row.last_message_preview for row in rows}, {"batch 0", "batch 1"})
			frappe.db.delete(CONVERSATION, {"device": device})
			frappe.db.commit()

	def run_together(self, batches: list[list[MessageSeen]]) -> list[str]:
		"""Each batch in a thread of its own; what each ended with."""
		site, sites_path = frappe.local.site, frappe.local.sites_path
		start = threading.Barrier(len(batches))
		outcomes = [""] * len(batches)

		def run(index: int) -> None:
			outcomes[index] = run_batch(site, sites_path, batches[index], start)

		threads = [threading.Thread(target=run, args=(index,)) for index in range(len(batches))]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=120)
		self.assertFalse(any(thread.is_alive() for thread in threads), "a batch hangs")
		return outcomes
