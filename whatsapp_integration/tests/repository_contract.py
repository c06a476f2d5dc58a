"""The contract every `MessageRepository` keeps, as a unittest mixin (no Frappe import here).

Runs against `MemoryRepository` in tier 1 (tests/test_repository_contract.py) and against the
Frappe repository in tier 2. A runner mixes it into a TestCase and implements two hooks:

	class TestMyRepository(MessageRepositoryContract, unittest.TestCase):
		def make_repository(self) -> MessageRepository: ...
		def make_device(self, name: str, **fields: Any) -> None: ...

`make_repository()` is called in `setUp` (its result is `self.repository`); `make_device(name,
**fields)` then stores a device called `name` that `self.repository` can see, where `fields` are
`DeviceProfile` attributes (mode, phone_number_id, waba_id, access_token, phone_number,
enabled, daily_cap) plus `is_default` (when true, the device becomes the only default).
Override `now()` where the database's clock differs from `datetime.now()`.

Every test makes its own numbers, keys, wamids and devices (uuid), so the suite also runs on a
database that keeps other rows. Retry claims use times in 2001 and park what they claim in 2099.
"""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from whatsapp_integration.core.errors import DeviceNotFound, DuplicateKey
from whatsapp_integration.core.records import MessageRecord, SendOutcome, StatusEvent
from whatsapp_integration.core.vocabulary import DeviceMode, Direction, MessageStatus
from whatsapp_integration.services.repository import MessageRepository

if TYPE_CHECKING:
	from unittest import TestCase as _Base
else:
	_Base = object

# Retry claims happen "in 2001" so that no real row is ever due for them.
CLAIM_TIME = datetime(2001, 1, 1, 12, 0, 0)
PARKED = datetime(2099, 1, 1)
CREATION_TOLERANCE = timedelta(minutes=5)
# A reference every site has (the Frappe repository validates dynamic links).
REFERENCE = ("User", "Administrator")


def unique(prefix: str) -> str:
	return f"{prefix}-{uuid.uuid4().hex[:16]}"


def unique_number() -> str:
	return f"+919{uuid.uuid4().int % 10**9:09d}"


class MessageRepositoryContract(_Base):
	repository: MessageRepository

	def make_repository(self) -> MessageRepository:
		raise NotImplementedError

	def make_device(self, name: str, **fields: Any) -> None:
		raise NotImplementedError

	def now(self) -> datetime:
		return datetime.now().replace(microsecond=0)

	def setUp(self) -> None:
		super().setUp()
		self.repository = self.make_repository()

	def new_device(self, **fields: Any) -> str:
		name = unique("Contract Device")
		values = {"mode": DeviceMode.OFFICIAL, "phone_number_id": str(uuid.uuid4().int % 10**15), **fields}
		self.make_device(name, **values)
		return name

	def new_record(self, device: str, **overrides: Any) -> MessageRecord:
		values: dict[str, Any] = {
			"device": device,
			"to_number": unique_number(),
			"text": "Your order has shipped",
			"idempotency_key": unique("key"),
			"status": MessageStatus.QUEUED,
			"created_at": self.now(),
		}
		values.update(overrides)
		return MessageRecord(**values)

	def insert(self, device: str, **overrides: Any) -> MessageRecord:
		return self.repository.insert_message(self.new_record(device, **overrides))

	def claim(
		self, now: datetime = CLAIM_TIME, lease_until: datetime = PARKED, limit: int = 1000
	) -> list[str]:
		return [record.name or "" for record in self.repository.claim_due_retries(now, lease_until, limit)]

	def assert_same_record(self, actual: MessageRecord, expected: MessageRecord) -> None:
		for spec in fields(MessageRecord):
			if spec.name not in ("name", "created_at"):
				self.assertEqual(getattr(actual, spec.name), getattr(expected, spec.name), spec.name)
		self.assertLessEqual(abs(actual.created_at - expected.created_at), CREATION_TOLERANCE)

	# insert / get / find

	def test_insert_returns_the_row_with_a_name(self) -> None:
		device = self.new_device()
		record = self.new_record(device)
		stored = self.repository.insert_message(record)
		self.assertTrue(stored.name)
		self.assert_same_record(stored, record)
		self.assertEqual(self.repository.get_message(stored.name).idempotency_key, record.idempotency_key)

	def test_each_insert_gets_its_own_name(self) -> None:
		device = self.new_device()
		self.assertNotEqual(self.insert(device).name, self.insert(device).name)

	def test_duplicate_idempotency_key_raises_duplicate_key(self) -> None:
		device = self.new_device()
		first = self.insert(device)
		with self.assertRaises(DuplicateKey):
			self.insert(device, idempotency_key=first.idempotency_key, text="another text")
		found = self.repository.find_by_idempotency_key(first.idempotency_key or "")
		self.assertEqual((found.name, found.text), (first.name, first.text))

	def test_duplicate_wamid_raises_duplicate_key(self) -> None:
		device = self.new_device()
		wamid = unique("wamid.CONTRACT")
		self.insert(device, wamid=wamid, status=MessageStatus.SENT)
		with self.assertRaises(DuplicateKey):
			self.insert(device, wamid=wamid, status=MessageStatus.SENT)

	def test_find_by_idempotency_key(self) -> None:
		device = self.new_device()
		stored = self.insert(device)
		self.assert_same_record(self.repository.find_by_idempotency_key(stored.idempotency_key or ""), stored)
		self.assertIsNone(self.repository.find_by_idempotency_key(unique("missing-key")))

	def test_find_by_wamid(self) -> None:
		device = self.new_device()
		wamid = unique("wamid.CONTRACT")
		stored = self.insert(device, wamid=wamid, status=MessageStatus.SENT)
		self.assertEqual(self.repository.find_by_wamid(wamid).name, stored.name)
		self.assertIsNone(self.repository.find_by_wamid(unique("wamid.MISSING")))

	def test_get_message_round_trips_every_field(self) -> None:
		device = self.new_device()
		at = self.now()
		record = self.new_record(
			device,
			direction=Direction.OUTBOUND,
			from_number="+15550100001",
			message_type="template",
			text="Hello *Ana*,\nyour order ✅ ships today. Tom & Jerry say hi.",
			template_name="order_update",
			template_language="en_US",
			template_params=["Ana", "SO-0001", "₹ 1,200"],
			media_link="https://files.example/INV-1.pdf",
			media_caption="Your invoice",
			media_filename="INV-1.pdf",
			status=MessageStatus.SENT,
			wamid=unique("wamid.CONTRACT"),
			callback_data=unique("campaign:row"),
			error_code=131000,
			error_title="(#131000) Something went wrong",
			error_reason="Meta had a problem; it was retried.",
			error_action="retry",
			attempts=2,
			next_attempt_at=at + timedelta(minutes=3),
			reference_doctype=REFERENCE[0],
			reference_name=REFERENCE[1],
			requested_by="Administrator",
			sent_at=at + timedelta(seconds=1),
			delivered_at=at + timedelta(seconds=2),
			read_at=at + timedelta(seconds=3),
			events=[
				StatusEvent(MessageStatus.QUEUED, at, 131000, "(#131000) Something went wrong"),
				StatusEvent(MessageStatus.SENT, at + timedelta(seconds=1)),
			],
		)
		stored = self.repository.insert_message(record)
		self.assert_same_record(self.repository.get_message(stored.name or ""), record)

	def test_blank_fields_stay_blank(self) -> None:
		device = self.new_device()
		stored = self.insert(device)
		read = self.repository.get_message(stored.name or "")
		blank = (
			"wamid",
			"error_code",
			"error_title",
			"error_reason",
			"error_action",
			"next_attempt_at",
			"sent_at",
			"template_name",
			"reference_doctype",
			"reference_name",
		)
		self.assertEqual({name: getattr(read, name) for name in blank}, dict.fromkeys(blank))
		self.assertEqual((read.template_params, read.events, read.attempts), ([], [], 0))
		self.assertEqual(
			(read.direction, read.status, read.message_type),
			(Direction.OUTBOUND, MessageStatus.QUEUED, "text"),
		)

	# save_outcome

	def test_save_outcome_sent(self) -> None:
		stored = self.insert(self.new_device(), next_attempt_at=self.now() + timedelta(minutes=1))
		at, wamid = self.now(), unique("wamid.CONTRACT")
		self.repository.save_outcome(stored.name or "", SendOutcome(MessageStatus.SENT, at, 1, wamid=wamid))
		read = self.repository.get_message(stored.name or "")
		self.assertEqual(
			(read.status, read.attempts, read.wamid, read.sent_at), (MessageStatus.SENT, 1, wamid, at)
		)
		self.assertIsNone(read.next_attempt_at)
		self.assertEqual(read.events, [StatusEvent(MessageStatus.SENT, at, None, None)])
		self.assertEqual(self.repository.find_by_wamid(wamid).name, stored.name)

	def test_save_outcome_queued_with_error_fields(self) -> None:
		stored = self.insert(self.new_device())
		at = self.now()
		outcome = SendOutcome(
			MessageStatus.QUEUED,
			at,
			1,
			next_attempt_at=at + timedelta(seconds=30),
			error_code=131000,
			error_title="(#131000) Something went wrong",
			error_reason="Meta had a problem; it will be retried.",
			error_action="retry",
		)
		self.repository.save_outcome(stored.name or "", outcome)
		read = self.repository.get_message(stored.name or "")
		self.assertEqual(
			(read.status, read.attempts, read.next_attempt_at),
			(MessageStatus.QUEUED, 1, at + timedelta(seconds=30)),
		)
		self.assertEqual(
			(read.error_code, read.error_title, read.error_reason, read.error_action),
			(131000, outcome.error_title, outcome.error_reason, "retry"),
		)
		self.assertIsNone(read.sent_at)
		self.assertEqual(read.events, [StatusEvent(MessageStatus.QUEUED, at, 131000, outcome.error_title)])

	def test_each_outcome_appends_one_event_and_replaces_the_error(self) -> None:
		stored = self.insert(self.new_device())
		at = self.now()
		failed = SendOutcome(
			MessageStatus.FAILED, at, 1, error_code=131026, error_title="Undeliverable", error_action="defer"
		)
		self.repository.save_outcome(stored.name or "", failed)
		self.repository.save_outcome(
			stored.name or "", SendOutcome(MessageStatus.SENT, at + timedelta(seconds=5), 2)
		)
		read = self.repository.get_message(stored.name or "")
		self.assertEqual(
			(read.status, read.attempts, read.error_code, read.error_action),
			(MessageStatus.SENT, 2, None, None),
		)
		self.assertEqual(
			read.events,
			[
				StatusEvent(MessageStatus.FAILED, at, 131026, "Undeliverable"),
				StatusEvent(MessageStatus.SENT, at + timedelta(seconds=5)),
			],
		)

	def test_save_outcome_sets_delivered_and_read_times(self) -> None:
		stored = self.insert(self.new_device(), status=MessageStatus.SENT, wamid=unique("wamid.CONTRACT"))
		at = self.now()
		self.repository.save_outcome(stored.name or "", SendOutcome(MessageStatus.DELIVERED, at, 1))
		self.repository.save_outcome(
			stored.name or "", SendOutcome(MessageStatus.READ, at + timedelta(seconds=9), 1)
		)
		read = self.repository.get_message(stored.name or "")
		self.assertEqual(
			(read.status, read.delivered_at, read.read_at),
			(MessageStatus.READ, at, at + timedelta(seconds=9)),
		)
		self.assertEqual(read.wamid, stored.wamid)
		self.assertEqual(
			[event.status for event in read.events], [MessageStatus.DELIVERED, MessageStatus.READ]
		)

	def test_save_outcome_with_a_wamid_of_another_row_raises_duplicate_key(self) -> None:
		device = self.new_device()
		taken = self.insert(device, wamid=unique("wamid.CONTRACT"), status=MessageStatus.SENT)
		stored = self.insert(device)
		with self.assertRaises(DuplicateKey):
			self.repository.save_outcome(
				stored.name or "", SendOutcome(MessageStatus.SENT, self.now(), 1, wamid=taken.wamid)
			)

	# claim_due_retries

	def test_claim_returns_only_due_queued_rows_and_leases_them(self) -> None:
		device = self.new_device()
		older = self.insert(device, next_attempt_at=CLAIM_TIME - timedelta(minutes=2))
		due = self.insert(device, next_attempt_at=CLAIM_TIME - timedelta(minutes=1))
		exactly_now = self.insert(device, next_attempt_at=CLAIM_TIME)
		later = self.insert(device, next_attempt_at=CLAIM_TIME + timedelta(minutes=1))
		sent = self.insert(
			device, status=MessageStatus.SENT, next_attempt_at=CLAIM_TIME - timedelta(minutes=3)
		)
		failed = self.insert(
			device, status=MessageStatus.FAILED, next_attempt_at=CLAIM_TIME - timedelta(minutes=3)
		)
		never = self.insert(device)
		claimed = self.repository.claim_due_retries(CLAIM_TIME, PARKED, 1000)
		names = [record.name for record in claimed]
		self.assertTrue({older.name, due.name, exactly_now.name} <= set(names))
		self.assertFalse({later.name, sent.name, failed.name, never.name} & set(names))
		self.assertLess(names.index(older.name), names.index(due.name))
		self.assertTrue(all(record.status == MessageStatus.QUEUED for record in claimed))
		self.assertEqual(self.repository.get_message(due.name or "").next_attempt_at, PARKED)
		self.assertEqual(self.claim(), [])

	def test_claim_respects_the_limit(self) -> None:
		device = self.new_device()
		ours = {self.insert(device, next_attempt_at=CLAIM_TIME - timedelta(seconds=n)).name for n in range(3)}
		first = self.claim(limit=2)
		rest = self.claim()
		self.assertEqual(len(first), 2)
		self.assertFalse(set(first) & set(rest))
		self.assertTrue(ours <= set(first) | set(rest))

	def test_an_expired_lease_makes_the_row_due_again(self) -> None:
		device = self.new_device()
		stored = self.insert(device, next_attempt_at=CLAIM_TIME - timedelta(minutes=1))
		lease_until = CLAIM_TIME + timedelta(minutes=5)
		self.assertIn(stored.name, self.claim(lease_until=lease_until))
		self.assertNotIn(stored.name, self.claim(now=lease_until - timedelta(seconds=1)))
		self.assertIn(stored.name, self.claim(now=lease_until))

	# count_outbound_since

	def test_count_outbound_since_counts_this_devices_outbound_rows_that_did_not_fail(self) -> None:
		device, other_device = self.new_device(), self.new_device()
		self.insert(device)
		self.insert(device, status=MessageStatus.SENT, wamid=unique("wamid.CONTRACT"))
		self.insert(device, status=MessageStatus.FAILED)
		self.insert(device, direction=Direction.INBOUND, status=MessageStatus.READ)
		self.insert(other_device)
		later_failed = self.insert(device)
		self.repository.save_outcome(
			later_failed.name or "", SendOutcome(MessageStatus.FAILED, self.now(), 1)
		)
		self.assertEqual(self.repository.count_outbound_since(device, self.now() - timedelta(hours=1)), 2)
		self.assertEqual(self.repository.count_outbound_since(device, self.now() + timedelta(hours=1)), 0)
		self.assertEqual(
			self.repository.count_outbound_since(other_device, self.now() - timedelta(hours=1)), 1
		)

	# opt-outs

	def test_opt_out_add_is_idempotent_and_remove_undoes_it(self) -> None:
		number, neighbour = unique_number(), unique_number()
		self.assertFalse(self.repository.is_opted_out(number))
		self.repository.add_opt_out(number, "Replied STOP", "Keyword")
		self.repository.add_opt_out(number, "User stopped marketing (131050)", "Meta")
		self.assertTrue(self.repository.is_opted_out(number))
		self.assertFalse(self.repository.is_opted_out(neighbour))
		self.repository.remove_opt_out(number)
		self.assertFalse(self.repository.is_opted_out(number))
		self.repository.remove_opt_out(number)
		self.assertFalse(self.repository.is_opted_out(number))

	# devices

	def test_get_device_returns_its_profile(self) -> None:
		name = unique("Contract Device")
		values = {
			"mode": DeviceMode.OFFICIAL,
			"phone_number_id": str(10**14 + uuid.uuid4().int % (9 * 10**14)),  # no other device's id
			"waba_id": "102290129340398",
			"access_token": "EAAG-contract-device-token",
			"phone_number": "+919876500001",
			"enabled": True,
			"daily_cap": 25,
		}
		self.make_device(name, **values)
		device = self.repository.get_device(name)
		self.assertEqual(device.name, name)
		self.assertEqual({key: getattr(device, key) for key in values}, values)

	def test_disabled_device_is_returned_disabled(self) -> None:
		name = self.new_device(enabled=False)
		self.assertFalse(self.repository.get_device(name).enabled)

	def test_get_device_none_returns_the_default(self) -> None:
		name = self.new_device(is_default=True, enabled=True)
		self.assertEqual(self.repository.get_device(None).name, name)

	def test_unknown_device_raises_device_not_found(self) -> None:
		missing = unique("No Such Device")
		with self.assertRaises(DeviceNotFound) as caught:
			self.repository.get_device(missing)
		self.assertIn(missing, str(caught.exception))
