"""core/notification: events, value changes, date windows across time zones and DST, parameter
mapping, idempotency keys, recipient resolution and reply actions."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal

import pytest

from whatsapp_integration.core.errors import InvalidCampaign, InvalidMessage
from whatsapp_integration.core.message import Parameter
from whatsapp_integration.core.notification import dates
from whatsapp_integration.core.notification.events import (
	Trigger,
	event_occasion,
	fired,
	idempotency_key,
	rule_key_prefix,
	value_changed,
)
from whatsapp_integration.core.notification.mapping import (
	DocumentValues,
	ParameterMapping,
	check_mappings,
	check_placeholders,
	check_template_fit,
	render_message,
	template_parameters,
)
from whatsapp_integration.core.notification.recipients import (
	ContactPhone,
	contact_lookup,
	contact_number,
	resolve,
)
from whatsapp_integration.core.notification.replies import (
	InboundReply,
	ReplyRule,
	check_settable_field,
	matching,
)
from whatsapp_integration.core.templates.components import TemplateVariables
from whatsapp_integration.core.vocabulary import NotificationEvent as Event
from whatsapp_integration.core.vocabulary import ReplyTrigger

UTC = timezone.utc
NEVER_CHANGED = lambda field: False  # noqa: E731
ALL_CHANGED = lambda field: True  # noqa: E731
RULES = [
	Trigger("new", Event.NEW),
	Trigger("save", Event.SAVE),
	Trigger("submit", Event.SUBMIT),
	Trigger("cancel", Event.CANCEL),
	Trigger("status", Event.VALUE_CHANGE, value_field="status"),
	Trigger("paid", Event.METHOD, method="on_payment_authorized"),
]


def names(triggers: list[Trigger]) -> list[str]:
	return [trigger.rule for trigger in triggers]


# --- events -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("hook", "expected"),
	[
		("after_insert", ["new"]),
		("on_update", ["save"]),
		("on_submit", ["submit"]),
		("on_cancel", ["cancel"]),
		("on_payment_authorized", ["paid"]),
		("validate", []),
	],
)
def test_each_hook_fires_the_rules_of_its_event(hook: str, expected: list[str]) -> None:
	assert names(fired(RULES, hook, is_insert=False, changed=NEVER_CHANGED)) == expected


def test_value_change_fires_only_when_its_field_changed_and_never_on_insert() -> None:
	assert names(fired(RULES, "on_change", is_insert=False, changed=lambda f: f == "status")) == ["status"]
	assert names(fired(RULES, "on_change", is_insert=False, changed=lambda f: f == "total")) == []
	assert names(fired(RULES, "on_change", is_insert=True, changed=ALL_CHANGED)) == []


def test_date_rules_never_fire_on_a_save() -> None:
	dated = [Trigger("due", Event.DAYS_BEFORE), Trigger("late", Event.DAYS_AFTER)]
	for hook in ("after_insert", "on_update", "on_submit", "on_change"):
		assert fired(dated, hook, is_insert=False, changed=ALL_CHANGED) == []


@pytest.mark.parametrize(
	("before", "after", "changed"),
	[
		(None, "", False),
		("", None, False),
		(None, 0, False),
		(10, 10.0, False),
		(Decimal("10.00"), "10", False),
		(date(2026, 3, 1), "2026-03-01", False),
		(datetime(2026, 3, 1, 9, 30), "2026-03-01 09:30:00", False),
		("Open", "Open ", False),
		("Open", "Closed", True),
		(None, "Closed", True),
		(10, 10.5, True),
		(date(2026, 3, 1), date(2026, 3, 2), True),
		(0, 1, True),
	],
)
def test_value_change_compares_values_not_their_types(before: object, after: object, changed: bool) -> None:
	assert value_changed(before, after) is changed


# --- idempotency keys -------------------------------------------------------------------------


def test_the_key_is_the_same_for_the_same_occasion_and_differs_otherwise() -> None:
	base = (
		"WN-00001",
		"Sales Invoice",
		"SINV-0001",
		event_occasion("Submit", "2026-03-01 10:00:00.1"),
		"+911",
	)
	key = idempotency_key(*base)
	assert key == idempotency_key(*base)
	assert key.startswith(rule_key_prefix("WN-00001"))
	assert len(key) <= 140
	for position, other in (
		(0, "WN-00002"),
		(2, "SINV-0002"),
		(3, "Submit@2026-03-01 10:00:01"),
		(4, "+912"),
	):
		changed = list(base)
		changed[position] = other
		assert idempotency_key(*changed) != key


def test_a_date_rule_has_one_key_per_document_and_day() -> None:
	march_1 = dates.DateWindow(
		date(2026, 2, 27), date(2026, 3, 1), datetime(2026, 3, 1), datetime(2026, 3, 2)
	)
	march_2 = dates.DateWindow(
		date(2026, 2, 28), date(2026, 3, 2), datetime(2026, 3, 2), datetime(2026, 3, 3)
	)
	key = idempotency_key("WN-1", "Task", "T-1", march_1.occasion, "+911")
	assert key == idempotency_key("WN-1", "Task", "T-1", march_1.occasion, "+911")
	assert key != idempotency_key("WN-1", "Task", "T-1", march_2.occasion, "+911")


# --- date windows -----------------------------------------------------------------------------


def test_days_before_targets_today_plus_days_and_days_after_today_minus_days() -> None:
	now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
	before = dates.due_window(Event.DAYS_BEFORE, 3, None, now, "UTC")
	after = dates.due_window(Event.DAYS_AFTER, 3, None, now, "UTC")
	assert (before.day, after.day) == (date(2026, 3, 13), date(2026, 3, 7))
	assert (before.start, before.end) == (datetime(2026, 3, 13), datetime(2026, 3, 14))
	assert before.occasion == "day@2026-03-13"


def test_today_is_the_sites_day_not_utcs() -> None:
	late_utc = datetime(
		2026, 3, 10, 20, 0, tzinfo=UTC
	)  # 01:30 on the 11th in India, 15:00 on the 10th in New York
	assert dates.due_window(Event.DAYS_BEFORE, 1, None, late_utc, "Asia/Kolkata").day == date(2026, 3, 12)
	assert dates.due_window(Event.DAYS_BEFORE, 1, None, late_utc, "America/New_York").day == date(2026, 3, 11)


def test_the_rule_waits_for_its_send_time_on_the_sites_wall_clock() -> None:
	nine = time(9, 0)
	before = datetime(2026, 3, 10, 3, 29, tzinfo=UTC)  # 08:59 in Kolkata
	after = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # 09:00 in Kolkata
	assert dates.due_window(Event.DAYS_AFTER, 0, nine, before, "Asia/Kolkata") is None
	assert dates.due_window(Event.DAYS_AFTER, 0, nine, after, "Asia/Kolkata").day == date(2026, 3, 10)


def test_a_send_time_in_the_skipped_dst_hour_is_due_right_after_the_jump() -> None:
	# New York springs forward on 2026-03-08: 02:00 EST becomes 03:00 EDT, 02:30 never happens.
	zone = "America/New_York"
	just_before = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # 01:59 EST
	just_after = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
	assert dates.due_window(Event.DAYS_BEFORE, 2, time(2, 30), just_before, zone) is None
	window = dates.due_window(Event.DAYS_BEFORE, 2, time(2, 30), just_after, zone)
	assert (window.today, window.day) == (date(2026, 3, 8), date(2026, 3, 10))


def test_the_repeated_dst_hour_keeps_one_window_per_day() -> None:
	# New York falls back on 2026-11-01: 01:30 happens twice (EDT, then EST).
	zone = "America/New_York"
	first = dates.due_window(Event.DAYS_BEFORE, 1, time(1, 0), datetime(2026, 11, 1, 5, 30, tzinfo=UTC), zone)
	second = dates.due_window(
		Event.DAYS_BEFORE, 1, time(1, 0), datetime(2026, 11, 1, 6, 30, tzinfo=UTC), zone
	)
	assert first.occasion == second.occasion == "day@2026-11-02"


def test_a_datetime_window_is_a_wall_clock_day_also_on_a_dst_day() -> None:
	window = dates.due_window(
		Event.DAYS_BEFORE, 0, None, datetime(2026, 3, 8, 12, 0, tzinfo=UTC), "America/New_York"
	)
	assert (window.start, window.end) == (datetime(2026, 3, 8), datetime(2026, 3, 9))


@pytest.mark.parametrize("days", [-1, 3651, 1.5])
def test_days_out_of_range_are_refused(days: object) -> None:
	with pytest.raises(InvalidMessage, match="Days must be"):
		dates.due_window(Event.DAYS_BEFORE, days, None, datetime(2026, 3, 8, tzinfo=UTC), "UTC")  # type: ignore[arg-type]


def test_a_naive_now_is_refused() -> None:
	with pytest.raises(ValueError):
		dates.local_now(datetime(2026, 3, 8), "UTC")


# --- parameter mapping ------------------------------------------------------------------------

INVOICE = DocumentValues(
	{
		"name": "SINV-00042",
		"customer_name": "Ada",
		"grand_total": Decimal("1000.5"),
		"due_date": date(2026, 3, 4),
	},
	{"grand_total": "₹ 1,000.50", "due_date": "04-03-2026", "customer_name": "Ada"},
)


def test_fields_take_the_desk_text_and_expressions_render_in_the_sandbox() -> None:
	mappings = [
		ParameterMapping(2, field="grand_total"),
		ParameterMapping(1, expression="{{ customer_name | upper }}"),
		ParameterMapping(3, expression="{{ doc.name }} due {{ due_date }}"),
	]
	assert template_parameters(mappings, INVOICE) == ("ADA", "₹ 1,000.50", "SINV-00042 due 2026-03-04")


def test_a_mapped_field_the_document_lacks_is_named() -> None:
	with pytest.raises(InvalidMessage, match="'customer_phone'"):
		template_parameters([ParameterMapping(1, field="customer_phone")], INVOICE)


def test_the_sandbox_offers_no_frappe_and_no_python() -> None:
	for source in ("{{ frappe.db }}", "{{ ''.__class__ }}", "{% for x in doc %}{{ x }}{% endfor %}"):
		with pytest.raises((InvalidMessage, InvalidCampaign)):
			render_message(source, INVOICE)


def test_free_text_renders_from_the_document() -> None:
	assert (
		render_message("Hi {{ customer_name }}, {{ doc.name }} is due.", INVOICE)
		== "Hi Ada, SINV-00042 is due."
	)


def test_every_template_parameter_is_mapped_once_to_one_source() -> None:
	check_mappings([ParameterMapping(1, field="name"), ParameterMapping(2, expression="x")], 2)
	with pytest.raises(InvalidMessage, match="map each of"):
		check_mappings([ParameterMapping(1, field="name")], 2)
	with pytest.raises(InvalidMessage, match="either a document field or"):
		check_mappings([ParameterMapping(1, field="name", expression="{{ name }}")], 1)
	with pytest.raises(InvalidMessage, match="either a document field or"):
		check_mappings([ParameterMapping(1)], 1)


def test_placeholders_must_name_fields_of_the_doctype() -> None:
	check_placeholders(
		{"the message": "{{ customer_name }} {{ doc.grand_total }}"}, ["customer_name", "grand_total"]
	)
	with pytest.raises(InvalidCampaign, match="citty"):
		check_placeholders({"the message": "{{ citty }}"}, ["city"])


# --- recipients -------------------------------------------------------------------------------


def test_numbers_are_normalized_deduplicated_and_bad_ones_named() -> None:
	resolution = resolve(
		[
			("field mobile_no", "98765 43210"),
			("fixed number", "+91 98765-43210"),
			("user x", ""),
			("field phone", "12ab"),
		],
		"IN",
	)
	assert resolution.numbers == ["+919876543210"]
	assert resolution.skipped[0] == "user x: no number"
	assert resolution.skipped[1].startswith("field phone: ")


def test_a_contacts_number_is_its_primary_mobile_then_primary_phone_then_any() -> None:
	phones = [
		ContactPhone("+911"),
		ContactPhone("+912", is_primary_phone=True),
		ContactPhone("+913", is_primary_mobile=True),
	]
	assert contact_number(phones) == "+913"
	assert contact_number(phones[:2]) == "+912"
	assert contact_number(phones[:1], mobile_no="+914") == "+914"
	assert contact_number(phones[:1]) == "+911"
	assert contact_number([]) is None


def test_the_document_contact_is_looked_for_in_order() -> None:
	lookup = contact_lookup(
		"Sales Invoice",
		"SINV-1",
		{"contact_mobile": "+915", "contact_person": "Ada-Customer", "customer": "Ada Ltd"},
	)
	assert lookup.numbers == ("+915",)
	assert lookup.contacts == ("Ada-Customer",)
	assert lookup.customers == ("Ada Ltd",)
	assert lookup.linked_to == ("Sales Invoice", "SINV-1")
	customer = contact_lookup("Customer", "Ada Ltd", {"customer_primary_contact": "Ada-Primary"})
	assert (customer.contacts, customer.customers) == (("Ada-Primary",), ("Ada Ltd",))
	assert contact_lookup("Contact", "C-1", {}).contacts == ("C-1",)
	assert contact_lookup("Contact", "C-1", {}).linked_to is None


# --- reply actions ----------------------------------------------------------------------------


def rule(name: str, trigger: str, value: str, **fields: object) -> ReplyRule:
	return ReplyRule(name, trigger, value, **fields)  # type: ignore[arg-type]


def test_keywords_match_case_insensitively_exact_or_as_whole_words() -> None:
	exact = rule("exact", ReplyTrigger.KEYWORD_EXACT, "Confirm")
	contains = rule("contains", ReplyTrigger.KEYWORD_CONTAINS, "call me")
	assert matching([exact, contains], InboundReply("  confirm ")) == [exact]
	assert matching([exact, contains], InboundReply("I confirm")) == []
	assert matching([exact, contains], InboundReply("Please CALL  me back")) == [contains]
	assert matching([exact, contains], InboundReply("recall meetings")) == []


def test_a_button_matches_its_payload_exactly_or_its_title_without_one() -> None:
	button = rule("button", ReplyTrigger.BUTTON, "CONFIRM_APPT")
	assert matching([button], InboundReply("Confirm", reply_id="CONFIRM_APPT")) == [button]
	assert matching([button], InboundReply("Confirm", reply_id="confirm_appt")) == []
	titled = rule("titled", ReplyTrigger.BUTTON, "Confirm")
	assert matching([titled], InboundReply(None, reply_title="confirm")) == [titled]


def test_actions_limited_to_a_doctype_and_ordered_by_priority() -> None:
	low = rule("a-low", ReplyTrigger.KEYWORD_EXACT, "yes", priority=0)
	high = rule("z-high", ReplyTrigger.KEYWORD_EXACT, "yes", priority=5)
	todo_only = rule("todo", ReplyTrigger.KEYWORD_EXACT, "yes", reference_doctype="ToDo")
	assert matching([low, high, todo_only], InboundReply("YES")) == [high, low]
	assert matching([low, todo_only], InboundReply("yes", reference_doctype="ToDo")) == [low, todo_only]


def test_a_reply_may_only_set_real_non_system_fields() -> None:
	assert check_settable_field("status", ["status", "description"]) == "status"
	for field in ("docstatus", "owner", "name", "missing", ""):
		with pytest.raises(InvalidMessage):
			check_settable_field(field, ["status", "docstatus", "owner"])


# --- template fit -----------------------------------------------------------------------------


def variables(**fields: object) -> TemplateVariables:
	return TemplateVariables(**{"body": ("1", "2"), **fields})  # type: ignore[arg-type]


TWO = [ParameterMapping(1, field="name"), ParameterMapping(2, expression="{{ customer_name }}")]


def test_a_rule_fills_a_numbered_body_and_a_document_header_only_with_the_pdf() -> None:
	check_template_fit("t", variables(), TWO, attach_print=False)
	check_template_fit("t", variables(header_format="DOCUMENT"), TWO, attach_print=True)
	check_template_fit("t", None, TWO, attach_print=True)  # components unknown: mapping only
	cases = [
		(variables(header_format="DOCUMENT"), False, "tick Send Print"),
		(variables(), True, "no document header"),
		(variables(header_format="IMAGE"), False, "cannot give"),
		(variables(header_format="TEXT", header=("1",)), False, "cannot give"),
		(variables(parameter_format="NAMED", body=("first_name", "order")), False, "named variables"),
		(variables(), False, "numbered variables"),
		(variables(body=("1",)), False, "map each of"),
	]
	for found, attach_print, message in cases:
		mappings = NAMED_TWO if message == "numbered variables" else TWO
		with pytest.raises(InvalidMessage, match=message):
			check_template_fit("t", found, mappings, attach_print=attach_print)


NAMED_TWO = [
	ParameterMapping(2, expression="{{ customer_name }}", name="first_name"),
	ParameterMapping(1, field="name", name="order"),
]


def test_named_variables_are_mapped_by_name_and_sent_with_it() -> None:
	named = variables(parameter_format="NAMED", body=("first_name", "order"))
	check_template_fit("t", named, NAMED_TWO, attach_print=False)
	assert template_parameters(NAMED_TWO, INVOICE) == (
		Parameter("SINV-00042", name="order"),
		Parameter("Ada", name="first_name"),
	)
