"""Persian and Arabic: every string the app shows has a translation in both, keeping its placeholders.

`locale/main.pot` lists every user-facing string (extracted by Frappe's own extractors with
`scripts/update_translations.py`; the bench test `test_translations` checks it is current).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "whatsapp_integration" / "locale"
LANGUAGES = ("fa", "ar")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(\w+\)s|%s|%d")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
WORD = re.compile("[A-Za-z]{2,}")  # a sentence made only of placeholders has nothing to translate
# Codes, acronyms and names stay as they are (TIER_1K, URL, GREEN, WhatsApp Web ...).
UNTRANSLATABLE = re.compile(r"^[A-Z0-9_ ./:+()-]*$|^(WhatsApp|Meta|Graph API|Jinja|JSON|CSV)\b[\w ]{0,12}$")


def catalog(name: str) -> Catalog:
	with open(LOCALE / name, "rb") as file:
		return read_po(file)


def messages(source: Catalog) -> list[Message]:
	return [message for message in source if message.id]


TEMPLATE = catalog("main.pot")


def test_the_catalog_lists_the_app_strings() -> None:
	ids = {message.id for message in messages(TEMPLATE)}
	assert len(ids) > 500
	assert {"WhatsApp Device", "WhatsApp Chat", "Send WhatsApp"} & ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language: str) -> None:
	translations = catalog(f"{language}.po")
	untranslated = [
		message.id
		for message in messages(TEMPLATE)
		if not (found := translations.get(message.id, message.context)) or not found.string or found.fuzzy
	]
	assert not untranslated, f"{len(untranslated)} strings lack a {language} translation: {untranslated[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language: str) -> None:
	translations = catalog(f"{language}.po")
	broken = []
	for message in messages(TEMPLATE):
		found = translations.get(message.id, message.context)
		if not found or not found.string:
			continue
		if sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(found.string)):
			broken.append((message.id, found.string))
		elif sorted(TAG.findall(message.id)) != sorted(TAG.findall(found.string)):
			broken.append((message.id, found.string))
	assert not broken, f"{len(broken)} translations change placeholders or tags: {broken[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_are_written_in_the_language(language: str) -> None:
	translations = catalog(f"{language}.po")
	english = [
		message.id
		for message in messages(TEMPLATE)
		if not UNTRANSLATABLE.match(message.id)
		and WORD.search(PLACEHOLDER.sub("", message.id))
		and (found := translations.get(message.id, message.context))
		and found.string
		and not ARABIC_SCRIPT.search(found.string)
	]
	assert not english, (
		f"{len(english)} {language} translations have no Persian/Arabic letter: {english[:10]}"
	)
