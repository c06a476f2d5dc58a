"""Turns the core's typed errors into Frappe exceptions with the right HTTP status."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.translate import get_all_translations
from frappe.utils import is_html
from frappe.utils.jinja_globals import is_rtl

from whatsapp_integration.core import errors
from whatsapp_integration.core.i18n import Text, sentence_of

# Most specific first: the first matching class decides the Frappe exception (and HTTP status).
_FRAPPE_EXCEPTIONS: tuple[tuple[type[errors.WhatsAppError], type[Exception]], ...] = (
	(errors.RateLimited, frappe.RateLimitExceededError),
	(errors.DeviceNotFound, frappe.DoesNotExistError),
	(errors.InvalidPhoneNumber, frappe.ValidationError),
	(errors.InvalidMessage, frappe.ValidationError),
	(errors.RecipientOptedOut, frappe.ValidationError),
	(errors.ConfigurationError, frappe.ValidationError),
	(errors.DeviceUnavailable, frappe.ValidationError),
	(errors.WhatsAppError, frappe.ValidationError),
)


def frappe_exception_for(error: errors.WhatsAppError) -> type[Exception]:
	return next(
		frappe_class for core_class, frappe_class in _FRAPPE_EXCEPTIONS if isinstance(error, core_class)
	)


@contextmanager
def user_errors() -> Iterator[None]:
	"""Run an adapter's call; a core error becomes a clear message with the right status
	(417 for input to fix, 404 for a missing device, 429 for rate limits), never a traceback."""
	try:
		yield
	except errors.WhatsAppError as error:
		# An expected, explained error: the response carries the message, not a traceback.
		frappe.local.flags.disable_traceback = True
		frappe.throw(
			plain_text_for_desk(message_of(error)),
			exc=frappe_exception_for(error),
			title=_("WhatsApp"),
		)


def plain_text_for_desk(message: str) -> str:
	"""The desk shows a thrown message as HTML, and a core message may quote what a user, a CSV
	file or a customer typed (a phone number, a placeholder, a file name): `<`, `>` and `&` are
	escaped so it shows as the text it is. Quotes stay (they are harmless outside tags)."""
	return html.escape(message, quote=False)


def message_of(error: errors.WhatsAppError) -> str:
	"""A core error's message in the user's language."""
	return translated(sentence_of(error))


def translated(message: object) -> str:
	"""`message` in the user's language: a core `Text` is translated from its template (its
	values too, when they are `Text`); anything else is shown as it is."""
	if not isinstance(message, Text):
		return str(message)
	args = tuple(translated(value) if isinstance(value, Text) else value for value in message.args)
	kwargs = {
		key: translated(value) if isinstance(value, Text) else value for key, value in message.kwargs.items()
	}
	template = _template(message.template)
	return _isolating(template).format(*args, **kwargs) if args or kwargs else template


# A placeholder ({0}, {number}, {length:,}), not an escaped brace ({{ or }}).
_PLACEHOLDER = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")


def _isolating(template: str) -> str:
	"""In a Persian or Arabic sentence each value keeps its own direction ("+31 6 1234 5678" would
	show its groups in reverse order): FSI ... PDI around each placeholder, plain text, so also in
	a msgprint, a notification or an email."""
	if not is_rtl():
		return template
	return _PLACEHOLDER.sub(lambda placeholder: f"\u2068{placeholder.group(0)}\u2069", template)


def _template(template: str) -> str:
	"""`frappe._(template)`, also for the templates that show <placeholders> (`+<country
	code><number>`): a core template is plain text, but `frappe._` takes it for HTML and looks up
	its text without the "tags", which the catalogs do not have."""
	if not is_html(template):
		return _(template)
	return get_all_translations(frappe.local.lang).get(template.strip()) or template
