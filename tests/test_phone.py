"""core/phone.py: what users type becomes E.164, or an error that says what is wrong."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.errors import InvalidPhoneNumber, WhatsAppError
from whatsapp_integration.core.phone import digits, normalize


@pytest.mark.parametrize(
	("number", "region", "expected"),
	[
		("+14155550123", None, "+14155550123"),
		("+1 (415) 555-0123", None, "+14155550123"),
		("+91 98765 43210", None, "+919876543210"),
		("+44 7911 123456", None, "+447911123456"),
		("+49 151 23456789", None, "+4915123456789"),
		("+98 912 123 4567", None, "+989121234567"),
		("+55 11 98765-4321", None, "+5511987654321"),
		("+971 50 123 4567", None, "+971501234567"),
		("  +919876543210  ", None, "+919876543210"),
	],
)
def test_international_numbers_of_several_countries(number: str, region: str | None, expected: str) -> None:
	assert normalize(number, region) == expected


@pytest.mark.parametrize(
	("number", "region", "expected"),
	[
		("9876543210", "IN", "+919876543210"),
		("9876543210", "in", "+919876543210"),
		("07911 123456", "GB", "+447911123456"),
		("0912 123 4567", "IR", "+989121234567"),
		("(415) 555-0123", "US", "+14155550123"),
	],
)
def test_national_numbers_use_the_default_region(number: str, region: str, expected: str) -> None:
	assert normalize(number, region) == expected


def test_a_leading_plus_wins_over_the_default_region() -> None:
	assert normalize("+447911123456", "IN") == "+447911123456"


@pytest.mark.parametrize("number", ["0091 98765 43210", "00919876543210", "0044 7911 123456"])
def test_00_prefix_means_international(number: str) -> None:
	assert normalize(number, None).startswith(("+91", "+44"))
	assert normalize(number, "US") == normalize("+" + number.replace(" ", "")[2:])


def test_digits_drops_the_plus() -> None:
	assert digits("+919876543210") == "919876543210"


def rejection(number: str | None, region: str | None = None) -> str:
	with pytest.raises(InvalidPhoneNumber) as caught:
		normalize(number, region)  # type: ignore[arg-type]
	assert isinstance(caught.value, WhatsAppError) and isinstance(caught.value, ValueError)
	return str(caught.value)


@pytest.mark.parametrize("number", ["", "   ", None])
def test_empty_number_asks_for_a_mobile_number(number: str | None) -> None:
	message = rejection(number)
	assert "empty" in message
	assert "mobile number with its country code" in message


def test_missing_country_code_without_default_region_says_how_to_fix() -> None:
	message = rejection("9876543210")
	assert "'9876543210'" in message
	assert "no country code" in message
	assert "+<country code>" in message and "default country" in message


# (input, region, what the message must say is wrong, what it must say to do)
REJECTED = [
	("hello", "IN", "does not look like a number", "Write it as +<country code><number>"),
	("+", None, "does not look like a number", "Write it as +<country code><number>"),
	("+999 123456789", None, "country code is unknown", "Write it as +<country code><number>"),
	("+91987", None, "too few digits", "Check it"),
	("12", "US", "too few digits", "Check it"),
	("+9198765432101234", None, "too many digits", "Check it"),
	("+44 7911 1234567", None, "too many digits", "Check it"),
	("+91 98765 4321", None, "not a valid number in IN", "Check the digits"),
	("+44 20 7123 4567", None, "landline", "mobile number"),
	("020 7123 4567", "GB", "landline", "mobile number"),
	("+49 30 1234567", None, "landline", "mobile number"),
	("+91 11 2345 6789", None, "landline", "mobile number"),
	("+1 800 555 0123", None, "not a mobile number", "WhatsApp"),
]


@pytest.mark.parametrize(("number", "region", "problem", "remedy"), REJECTED)
def test_rejections_name_the_input_the_problem_and_the_fix(
	number: str, region: str | None, problem: str, remedy: str
) -> None:
	message = rejection(number, region)
	assert repr(number) in message
	assert problem in message
	assert remedy in message


def test_letters_are_refused() -> None:
	message = rejection("+1 415 abc")
	assert "'+1 415 abc'" in message


def test_errors_are_not_cached_into_successes() -> None:
	"""normalize() is memoised; a bad number must fail every time, not once."""
	for _ in range(3):
		rejection("+91987")
