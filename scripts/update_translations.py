"""Refresh the app's translation catalogs: extract every user-facing string (Python `_()`, JS `__()`,
DocType labels and descriptions, workspace, report, number cards...) into `locale/main.pot` with
Frappe's own extractors, then add new strings to `locale/fa.po` and `locale/ar.po` (untranslated)
and report what still needs a translation. Run as the bench user from the sites folder:

	cd <bench>/sites && ../env/bin/python <app>/scripts/update_translations.py [--check]

`--check` writes nothing and exits 1 when the catalogs are out of date or a string lacks a
translation (the bench test `test_translations` does the same). `bench build` compiles the
`.po` files into what the desk reads.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

import frappe
from babel.messages.catalog import Catalog

APP = "whatsapp_integration"
LOCALES = ("fa", "ar")


def extract() -> Catalog:
	"""Frappe's `generate_pot`, minus writing, on an app that may be soft-linked from outside the
	bench (Frappe's navbar extractor assumes the app's files are under the bench folder)."""
	from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
	from frappe.gettext import translate
	from frappe.gettext.extractors import navbar

	app_path = Path(frappe.get_pymodule_path(APP)).parent
	navbar.get_module = lambda path: importlib.import_module(
		".".join(Path(path).relative_to(app_path).with_suffix("").parts)
	)
	is_ignored = translate.get_is_gitignored_function_for_app(APP)
	keywords = {**DEFAULT_KEYWORDS, "_lt": None}
	catalog = translate.new_catalog(APP)
	for filename, lineno, message, comments, context in extract_from_dir(
		str(app_path),
		translate.get_method_map(APP) + translate.get_method_map("frappe"),
		directory_filter=lambda path: not (is_ignored(str(path)) or _internal(Path(path).name)),
		keywords=keywords,
	):
		if message:
			catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
	return catalog


def _internal(folder: str) -> bool:
	"""Folders whose strings no user sees: tests, test fakes, caches."""
	return folder.startswith((".", "_")) or folder in ("tests", "testing")


def missing(pot: Catalog, po: Catalog) -> list[str]:
	"""Message ids of the template without a (non-fuzzy) translation in `po`."""
	return [
		message.id
		for message in pot
		if message.id
		and not ((found := po.get(message.id, message.context)) and found.string and not found.fuzzy)
	]


def main() -> int:
	from frappe.gettext import translate

	parser = argparse.ArgumentParser(
		description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
	)
	parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when anything is missing")
	parser.add_argument("--locale", choices=LOCALES, help="only this language's catalog (default: all)")
	args = parser.parse_args()
	frappe.init(site="")
	pot = extract()
	stale = {message.id for message in pot if message.id} != {
		message.id for message in translate.get_catalog(APP) if message.id
	}
	if not args.check:
		translate.write_catalog(APP, pot)
	failed = stale and args.check
	print(f"{len(pot)} strings; main.pot {'out of date' if stale else 'up to date'}")
	for locale in [args.locale] if args.locale else LOCALES:
		po = translate.get_catalog(APP, locale)
		if not args.check:
			po.update(pot, no_fuzzy_matching=True)
			translate.write_catalog(APP, po, locale)
		untranslated = missing(pot, po)
		failed = failed or bool(untranslated)
		print(f"{locale}: {len(untranslated)} without a translation")
		for message_id in untranslated[:20]:
			print(f"  {message_id!r}")
	return 1 if failed and args.check else 0


if __name__ == "__main__":
	sys.exit(main())
