"""CSV recipients as spreadsheets save them: byte order mark, `,` `;` or tab, any header names."""

from __future__ import annotations

import pytest

from whatsapp_integration.core.campaign.planning import parse_csv


def rows(text: str) -> list[tuple[str, str | None, dict[str, object]]]:
	return [(r.number, r.recipient_name, dict(r.context)) for r in parse_csv(text)]


def test_a_byte_order_mark_is_dropped_with_and_without_a_header() -> None:
	assert rows("\ufeff+14155550101,Ann\n") == [("+14155550101", "Ann", {})]
	assert rows("\ufeffnumber,name,city\r\n+14155550101,Ann,Pune\r\n") == [
		("+14155550101", "Ann", {"city": "Pune"})
	]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_sniffed(delimiter: str) -> None:
	text = delimiter.join(["number", "name", "city"]) + "\n" + delimiter.join(["+14155550101", "Ann", "Pune"])
	assert rows(text) == [("+14155550101", "Ann", {"city": "Pune"})]


def test_semicolons_win_over_decimal_commas_and_quoted_delimiters_do_not_count() -> None:
	assert rows("number;name;amount\n+14155550101;Ann;1,50\n") == [
		("+14155550101", "Ann", {"amount": "1,50"})
	]
	assert rows('+14155550101;"Smith, Ann, Jr"\n') == [("+14155550101", "Smith, Ann, Jr", {})]


def test_header_names_keep_their_digits_and_become_placeholder_names() -> None:
	text = "phone1,Name,Order 2024,order_2025,E-mail,Mobile No.\n+14155550101,Ann,SO-1,SO-2,a@ex.com,x\n"
	assert rows(text) == [
		(
			"+14155550101",
			"Ann",
			{"order_2024": "SO-1", "order_2025": "SO-2", "e_mail": "a@ex.com", "mobile_no": "x"},
		)
	]


def test_a_first_row_of_numbers_is_data_even_when_invalid() -> None:
	assert rows("555,Bad\n+14155550101,Ann\n") == [("555", "Bad", {}), ("+14155550101", "Ann", {})]
	assert rows("+91 98765 43210,Ravi\n") == [("+91 98765 43210", "Ravi", {})]
