"""The site-wide send allowlist (for staging copies of production): when it is on, the outbox
sends only to the numbers and prefixes listed in Settings.

An entry is an E.164 number (`+4917600000001`: that number only) or a prefix ending in `*`
(`+49176*`: every number starting with it). Spaces, dashes and brackets are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from whatsapp_integration.core.errors import ConfigurationError, WhatsAppError
from whatsapp_integration.core.i18n import _


class RecipientNotAllowed(WhatsAppError):
	"""The site sends only to its send allowlist (Settings) and the recipient is not on it."""


_ENTRY = re.compile(r"\+\d{1,15}\*?")
_IGNORED = re.compile(r"[\s\-().]")


def clean_entry(entry: str) -> str:
	"""`entry` without spaces, dashes and brackets; `ConfigurationError` when it is no number or prefix."""
	cleaned = _IGNORED.sub("", entry)
	if not _ENTRY.fullmatch(cleaned):
		raise ConfigurationError(
			_(
				"Send allowlist entry {entry!r} is not a number or prefix: write +<country code><digits>, "
				"or end it with * for every number starting with it (e.g. +49176*)."
			).format(entry=entry)
		)
	return cleaned


def clean_entries(entries: Iterable[str]) -> tuple[str, ...]:
	return tuple(clean_entry(entry) for entry in entries)


def is_allowed(number: str, entries: Iterable[str]) -> bool:
	"""Whether the E.164 `number` matches an entry (exactly, or by a `*` prefix)."""
	for entry in entries:
		if entry.endswith("*") and number.startswith(entry[:-1]):
			return True
		if entry == number:
			return True
	return False


def check_allowed(number: str, enabled: bool, entries: Iterable[str]) -> None:
	"""`RecipientNotAllowed` when the allowlist is on and `number` is not on it."""
	if enabled and not is_allowed(number, entries):
		raise RecipientNotAllowed(
			_(
				"{number} is not on the send allowlist: this site sends only to the numbers listed in "
				"WhatsApp Integration Settings > Send allowlist. Add the number there (System Manager) "
				"or turn off Restrict sends to allowlist."
			).format(number=number)
		)
