"""Phone numbers: anything a user types becomes E.164 (`+14155550123`) or a clear error."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from whatsapp_integration.core.errors import InvalidPhoneNumber
from whatsapp_integration.core.i18n import _

_MOBILE_TYPES = frozenset(
	{PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER, PhoneNumberType.UAN}
)
_LENGTH_PROBLEMS = {
	ValidationResult.TOO_SHORT: _("The phone number {number!r} has too few digits. Check it and try again."),
	ValidationResult.TOO_LONG: _("The phone number {number!r} has too many digits. Check it and try again."),
	ValidationResult.INVALID_LENGTH: _(
		"The phone number {number!r} has the wrong number of digits. Check it and try again."
	),
	ValidationResult.INVALID_COUNTRY_CODE: _(
		"The phone number {number!r} starts with an unknown country code. Check it and try again."
	),
}


# The longest input read as a number (E.164 has at most 15 digits; room for spaces, dashes, a
# `+`, an extension): anything longer is refused before parsing and never echoed whole.
MAX_INPUT_LENGTH = 64


@functools.lru_cache(maxsize=65536)
def normalize(number: str, default_region: str | None = None) -> str:
	"""Return `number` in E.164 with a leading `+`, or raise `InvalidPhoneNumber`.

	Numbers without a leading `+` (or `00`) are read in `default_region` (ISO 3166 alpha-2,
	e.g. "IN"); without one, the country code is required. Landlines are refused because
	WhatsApp needs a mobile number. Cached: campaigns normalise the same numbers often.
	"""
	text = (number or "").strip()
	if not text:
		raise InvalidPhoneNumber(_("The phone number is empty. Enter a mobile number with its country code."))
	if len(text) > MAX_INPUT_LENGTH:
		raise InvalidPhoneNumber(
			_(
				"The phone number is {length:,} characters long; a number has at most "
				"{limit} characters. Enter one mobile number with its country code."
			).format(length=len(text), limit=MAX_INPUT_LENGTH)
		)
	parsed = _parse(text, default_region)
	_check_possible(text, parsed)
	_check_mobile(text, parsed)
	return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def digits(e164: str) -> str:
	"""The form the Cloud API's `to` field and WhatsApp Web URLs take: no `+`."""
	return e164.lstrip("+")


def _parse(text: str, default_region: str | None) -> phonenumbers.PhoneNumber:
	international = text.startswith(("+", "00"))
	region = default_region.upper() if default_region else None
	if not international and not region:
		raise InvalidPhoneNumber(
			_(
				"The phone number {number!r} has no country code. Write it as +<country code><number>, "
				"or set a default country in WhatsApp Integration Settings."
			).format(number=text)
		)
	candidate = "+" + text[2:] if text.startswith("00") else text
	try:
		return phonenumbers.parse(candidate, None if international else region)
	except NumberParseException as error:
		raise InvalidPhoneNumber(
			_("{number!r} is not a phone number: {problem}. Write it as +<country code><number>.").format(
				number=text, problem=_parse_problem(error)
			)
		)


def _parse_problem(error: NumberParseException) -> str:
	problems = {
		NumberParseException.INVALID_COUNTRY_CODE: _("the country code is unknown"),
		NumberParseException.NOT_A_NUMBER: _("it does not look like a number"),
		NumberParseException.TOO_SHORT_NSN: _("it has too few digits"),
		NumberParseException.TOO_SHORT_AFTER_IDD: _("it has too few digits after the country code"),
		NumberParseException.TOO_LONG: _("it has too many digits"),
	}
	return problems.get(error.error_type, _("it could not be read"))


def _check_possible(text: str, parsed: phonenumbers.PhoneNumber) -> None:
	result = phonenumbers.is_possible_number_with_reason(parsed)
	if result in _LENGTH_PROBLEMS:
		raise InvalidPhoneNumber(_LENGTH_PROBLEMS[result].format(number=text))
	if not phonenumbers.is_valid_number(parsed):
		region = phonenumbers.region_code_for_number(parsed) or f"+{parsed.country_code}"
		raise InvalidPhoneNumber(
			_("The phone number {number!r} is not a valid number in {region}. Check the digits.").format(
				number=text, region=region
			)
		)


def _check_mobile(text: str, parsed: phonenumbers.PhoneNumber) -> None:
	number_type = phonenumbers.number_type(parsed)
	if number_type == PhoneNumberType.FIXED_LINE:
		raise InvalidPhoneNumber(
			_("The phone number {number!r} is a landline. WhatsApp messages need a mobile number.").format(
				number=text
			)
		)
	if number_type not in _MOBILE_TYPES and number_type != PhoneNumberType.VOIP:
		raise InvalidPhoneNumber(
			_("The phone number {number!r} is not a mobile number WhatsApp can reach.").format(number=text)
		)


def same_number(expected: str | None, linked: str | None) -> bool:
	"""Whether the linked WhatsApp account is the device's number, digit for digit (True when
	either is unknown: nothing to compare)."""
	if not expected or not linked:
		return True
	return [c for c in expected if c.isdigit()] == [c for c in linked if c.isdigit()]
