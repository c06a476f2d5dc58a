"""Persian and Arabic on the bench: the catalogs list every string the app shows today (extracted
again with Frappe's own extractors), each has a translation in both languages, and the desk
answers in them.

Run: CI=1 bench --site <site> run-tests --module whatsapp_integration.tests.test_translations
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import frappe
from frappe.gettext.translate import compile_translations
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

SCRIPT = Path(frappe.get_app_path("whatsapp_integration")).parent / "scripts" / "update_translations.py"


class TestTranslations(FrappeTestCase):
	def test_every_string_of_the_app_is_in_the_catalogs_and_translated(self) -> None:
		result = subprocess.run(
			[sys.executable, str(SCRIPT), "--check"],
			cwd=Path(get_bench_path()) / "sites",
			capture_output=True,
			text=True,
			timeout=600,
		)
		self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
		self.assertIn("main.pot up to date", result.stdout)

	def test_the_desk_answers_in_persian_and_arabic(self) -> None:
		compile_translations("whatsapp_integration", force=True)
		frappe.translate.clear_cache()
		try:
			for language in ("fa", "ar"):
				frappe.local.lang = language
				frappe.local.lang_full_dict = None
				translated = frappe._("WhatsApp Conversation")
				self.assertNotEqual(translated, "WhatsApp Conversation", language)
				self.assertRegex(translated, "[\u0600-\u06ff]")
		finally:
			frappe.local.lang = "en"
			frappe.local.lang_full_dict = None
