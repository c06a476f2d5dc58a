"""Campaign placeholders render in the app's sandbox: the recipient's values only, strict,
bounded, never a file; unknown placeholders are refused before the campaign starts."""

from __future__ import annotations

import pytest
from campaign_harness import CampaignHarness, make_harness
from conftest import FakeClock

from whatsapp_integration.core.campaign import policy
from whatsapp_integration.core.campaign.planning import RecipientInput
from whatsapp_integration.core.campaign.rendering import (
	MAX_VALUE_LENGTH,
	check_placeholders,
	message_sources,
	render_text,
)
from whatsapp_integration.core.errors import InvalidCampaign, InvalidMessage
from whatsapp_integration.core.vocabulary import CampaignStatus
from whatsapp_integration.testing.fake_graph import FakeGraphApi

CONTEXT = {"recipient_name": "Ann", "phone": "+14155550101", "campaign": "CAMP-1", "city": "Pune"}


@pytest.fixture
def harness(fake_graph: FakeGraphApi, clock: FakeClock) -> CampaignHarness:
	return make_harness(fake_graph, clock)


def refused(source: str) -> str:
	with pytest.raises(InvalidMessage) as caught:
		render_text(source, CONTEXT)
	return str(caught.value)


def test_placeholders_and_if_blocks_render_with_the_recipients_values() -> None:
	source = "Hi {{ recipient_name|upper }} {% if city == 'Pune' %}in {{ city ~ '!' }}{% endif %}"
	assert render_text(source, CONTEXT) == "Hi ANN in Pune!"
	assert render_text("{{ city.lower() }} {{ 2 * 21 }} {{ city|replace('u', 'oo') }}", CONTEXT) == (
		"pune 42 Poone"
	)


@pytest.mark.parametrize(
	("source", "reason"),
	[
		("{{ frappe.db.sql('select user, sid from tabSessions') }}", "'frappe' is undefined"),
		("{{ frappe.get_all('User') }}", "'frappe' is undefined"),
		("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
		("{{ city.__class__ }}", "unsafe"),
		("{{ lipsum() }} {{ range(3) }}", "'lipsum' is undefined"),
		("{{ city.format(1) }}", "access to attribute 'format'"),
		("{{ '{:>999999999}'.format(1) }}", "access to attribute 'format'"),
		("{{ city.center(10**9) }}", "access to attribute 'center'"),
		("{{ city|center(999999999) }}", "No filter named 'center'"),
		("{{ '%0999999999d' % 1 }}", "`%` formatting is not available"),
	],
)
def test_nothing_outside_the_recipients_values_is_reachable(source: str, reason: str) -> None:
	message = refused(source)
	assert message.startswith("The message's placeholders could not be filled")
	assert reason in message


@pytest.mark.parametrize(
	("source", "reason"),
	[
		("{% for i in range(10**9) %}x{% endfor %}", "line 1 has a `for` statement"),
		("{% set a = city ~ city %}{{ a }}", "`assign` statement"),
		("{% macro m() %}x{% endmacro %}", "`macro` statement"),
		("{% include 'x.html' %}", "`include` statement"),
		("{{ 'x' * 10**9 }}", f"longer than {MAX_VALUE_LENGTH:,} characters"),
		("{{ [1] * 10**9 }}", "longer than"),
		("{{ 9**9**9 }}", "the number is too large"),
		("{{ 10**10 * 10**100 * 10**100 }}", "the number is too large"),
		("{{ city|replace('', 'xxxxxxxx') }}", "replace needs the text to look for"),
		("{{ (city * 10000)|replace('u', 'uuuuuuuuuu') }}", "longer than"),
		("{{ (city * 10000) ~ (city * 10000) }}", "longer than"),
		("{{ (city * 10000) + (city * 10000) }}", "longer than"),
		("{{ city * 10000 }}{{ city * 10000 }}", "longer than"),
	],
)
def test_work_and_size_are_bounded(source: str, reason: str) -> None:
	assert reason in refused(source)


def test_a_message_naming_a_template_file_is_text() -> None:
	source = "Hi {{ recipient_name }}, see templates/includes/footer.html"
	assert render_text(source, CONTEXT) == "Hi Ann, see templates/includes/footer.html"
	assert render_text("emails/welcome.html", CONTEXT) == "emails/welcome.html"


def test_check_names_the_unknown_placeholder_and_the_available_ones() -> None:
	contexts = [{"city": "Pune", "zip": "1"}, {"city": "Goa"}]
	with pytest.raises(InvalidCampaign) as caught:
		check_placeholders(message_sources("Hi {{ citty }}", ()), contexts)
	assert str(caught.value) == (
		"Unknown placeholder {{ citty }} in the message. Did you mean {{ city }}? "
		"Available placeholders: campaign, city, phone, recipient_name."
	)
	with pytest.raises(InvalidCampaign, match=r"\{\{ zip \}\} in the message has no value for 1 of 2"):
		check_placeholders(message_sources("{{ zip }}", ()), contexts)
	with pytest.raises(InvalidCampaign, match=r"Unknown placeholder \{\{ frappe \}\} in template parameter"):
		check_placeholders(message_sources(None, ("{{ city }}", "{{ frappe.db.sql('x') }}")), contexts)
	check_placeholders(
		message_sources("{{ city }} {{ recipient_name }} {{ phone }} {{ campaign }}", ()), contexts
	)


def test_without_recipients_only_the_syntax_is_checked() -> None:
	check_placeholders(message_sources("Hi {{ city }}", ()), [])
	with pytest.raises(InvalidCampaign, match=r"The placeholders of the message are not valid: .*`for`"):
		check_placeholders(message_sources("{% for x in y %}{% endfor %}", ()), [])
	with pytest.raises(InvalidCampaign, match="not valid: unexpected end of template"):
		check_placeholders(message_sources("Hi {{ city", ()), [])


def _with_cities(harness: CampaignHarness, text: str) -> None:
	harness.campaign(text=text)
	rows = [RecipientInput(f"+1415200000{i}", f"C{i}", context={"city": "Pune"}) for i in range(3)]
	harness.service().add_recipients("CAMP-1", rows)


def test_a_misspelt_placeholder_stops_the_campaign_before_it_starts(harness: CampaignHarness) -> None:
	_with_cities(harness, "Hello {{ recipient_name }} in {{ cty }}")
	service = harness.service()
	with pytest.raises(
		InvalidCampaign, match=r"Unknown placeholder \{\{ cty \}\}.*Did you mean \{\{ city \}\}"
	):
		service.start("CAMP-1")
	assert harness.campaigns.get_campaign("CAMP-1").status == CampaignStatus.DRAFT
	with pytest.raises(InvalidCampaign, match=r"\{\{ cty \}\}"):
		service.send_test("CAMP-1", "+14155550199", "manager@example.com")
	assert harness.graph.message_requests() == []


def test_a_frappe_expression_is_refused_by_validate_and_send_test(harness: CampaignHarness) -> None:
	_with_cities(harness, "{{ frappe.db.sql('select user, sid from tabSessions') }}")
	service = harness.service()
	with pytest.raises(InvalidCampaign, match=r"Unknown placeholder \{\{ frappe \}\}"):
		service.validate(harness.campaigns.get_campaign("CAMP-1"))
	with pytest.raises(InvalidCampaign, match=r"Unknown placeholder \{\{ frappe \}\}"):
		service.send_test("CAMP-1", "+14155550199", "manager@example.com")
	assert harness.graph.message_requests() == []


def test_send_test_without_recipients_names_the_unknown_placeholder(harness: CampaignHarness) -> None:
	harness.campaign(text="Hi {{ city }}")
	with pytest.raises(InvalidCampaign, match=r"Unknown placeholder \{\{ city \}\}.*Available placeholders"):
		harness.service().send_test("CAMP-1", "+14155550199", "manager@example.com")
	harness.campaign("CAMP-2", text="Hi {{ recipient_name }} from {{ campaign }}")
	harness.service().send_test("CAMP-2", "+14155550199", "manager@example.com")
	assert harness.graph.message_requests()[0].body["text"]["body"] == "Hi  from CAMP-2"
