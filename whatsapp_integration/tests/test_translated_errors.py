"""A core error reaches a Persian desk in Persian: `user_errors()` throws it translated from its
template, with its values (and nested sentences, translated too) filled in (issue #15).

Run: CI=1 bench --site <site> run-tests --module whatsapp_integration.tests.test_translated_errors
"""

from __future__ import annotations

import frappe
from frappe.core.doctype.translation.translation import clear_user_translation_cache
from frappe.tests.utils import FrappeTestCase
from frappe.translate import MERGED_TRANSLATION_KEY, get_all_translations

from whatsapp_integration.core import message as rules
from whatsapp_integration.core.phone import normalize
from whatsapp_integration.site.errors import user_errors

TOO_LONG = (
	"The message is {length:,} characters long; WhatsApp allows at most {limit:,}. "
	"Shorten it by {excess:,} characters."
)
EMPTY = "{what} is empty; WhatsApp rejects empty values."
PARAMETER = "Template parameter {placeholder}"
NO_COUNTRY_CODE = (
	"The phone number {number!r} has no country code. Write it as +<country code><number>, "
	"or set a default country in WhatsApp Integration Settings."
)
PERSIAN = {
	TOO_LONG: "پیام {length:,} نویسه است؛ واتس‌اپ حداکثر {limit:,} را می‌پذیرد. {excess:,} نویسه کوتاهش کنید.",
	EMPTY: "{what} خالی است؛ واتس‌اپ مقدار خالی را نمی‌پذیرد.",
	PARAMETER: "پارامتر الگو {placeholder}",
}


def isolated(value: str) -> str:
	"""A value inside a Persian sentence keeps its own direction (FSI ... PDI, site.errors._isolating)."""
	return f"\u2068{value}\u2069"


class TestTranslatedErrors(FrappeTestCase):
	def setUp(self) -> None:
		for source, translated in PERSIAN.items():
			doc = frappe.get_doc(
				{
					"doctype": "Translation",
					"language": "fa",
					"source_text": source,
					"translated_text": translated,
				}
			).insert(ignore_permissions=True)
			self.addCleanup(frappe.delete_doc, "Translation", doc.name, force=True, ignore_permissions=True)
		self.addCleanup(clear_user_translation_cache, "fa")
		clear_user_translation_cache("fa")
		language = frappe.local.lang
		self.addCleanup(setattr, frappe.local, "lang", language)
		frappe.local.lang = "fa"

	def thrown(self, call: object) -> frappe.ValidationError:
		with self.assertRaises(frappe.ValidationError) as raised, user_errors():
			call()
		return raised.exception

	def test_a_core_error_is_thrown_in_persian_with_its_values(self) -> None:
		error = self.thrown(lambda: rules.clean_text("x" * 5000))
		self.assertEqual(
			str(error),
			f"پیام {isolated('5,000')} نویسه است؛ واتس‌اپ حداکثر {isolated('4,096')} را می‌پذیرد. "
			f"{isolated('904')} نویسه کوتاهش کنید.",
		)

	def test_a_nested_sentence_is_translated_too(self) -> None:
		error = self.thrown(lambda: rules.check_template(rules.Template("order_update", "en", (" ",))))
		parameter = isolated(f"پارامتر الگو {isolated('{{1}}')}")
		self.assertEqual(str(error), f"{parameter} خالی است؛ واتس‌اپ مقدار خالی را نمی‌پذیرد.")

	def test_english_stays_as_it_was(self) -> None:
		frappe.local.lang = "en"
		error = self.thrown(lambda: rules.clean_text("x" * 5000))
		self.assertEqual(
			str(error),
			"The message is 5,000 characters long; WhatsApp allows at most 4,096. Shorten it by 904 characters.",
		)

	def test_a_sentence_showing_angle_brackets_is_translated_from_the_catalog(self) -> None:
		# What the app's catalog (fa.mo) would hold: frappe._ alone takes the sentence for HTML.
		catalog = {
			**get_all_translations("fa"),
			NO_COUNTRY_CODE: "شماره {number!r} کد کشور ندارد: +<کد کشور><شماره>.",
		}
		frappe.cache.hset(MERGED_TRANSLATION_KEY, "fa", catalog)
		error = self.thrown(lambda: normalize("0612345678"))
		self.assertEqual(
			str(error), f"شماره {isolated(repr('0612345678'))} کد کشور ندارد: +&lt;کد کشور&gt;&lt;شماره&gt;."
		)

	def test_markup_a_user_typed_shows_as_text(self) -> None:
		frappe.local.lang = "en"
		typed = "<img src=x onerror=alert(1)>"
		error = self.thrown(lambda: normalize(typed))
		self.assertNotIn("<img", str(error))
		self.assertIn("&lt;img src=x onerror=alert(1)&gt;", str(error))
