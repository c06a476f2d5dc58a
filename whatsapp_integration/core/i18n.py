"""User-facing sentences of the framework-free code, translatable on the Frappe side.

Core code writes `_("The message is {length:,} characters long.").format(length=n)`: the result is
an ordinary `str` (the English sentence, for logs, tests and stored reasons) that also remembers
its template and values, so the desk can show it in the user's language
(`site.errors.translated`). Frappe's extractor finds the `_()` calls like any other, so the
templates are in `locale/main.pot` and translated in `fa.po` and `ar.po`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Text(str):
	"""English text plus the template and values it was made from."""

	template: str
	args: tuple[Any, ...]
	kwargs: dict[str, Any]

	def __new__(cls, template: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> Text:
		kwargs = kwargs or {}
		text = super().__new__(cls, template.format(*args, **kwargs) if args or kwargs else template)
		text.template, text.args, text.kwargs = template, args, kwargs
		return text

	def format(self, *args: Any, **kwargs: Any) -> Text:  # type: ignore[override]
		return Text(self.template, args, kwargs)


def _(template: str) -> Text:
	"""Mark a user-facing sentence; `.format()` fills it like `str.format`."""
	return Text(template)


def joined(sentences: Sequence[str], separator: str = " ") -> Text:
	"""Several sentences shown as one message (e.g. every problem of a form); each one is
	translated on its own, the separator is kept."""
	template = (
		separator.replace("{", "{{")
		.replace("}", "}}")
		.join(f"{{{index}}}" for index in range(len(sentences)))
	)
	return Text(template, tuple(sentences))


_JSON_VALUES = (str, int, float, bool, type(None))


def to_data(text: str) -> str | dict[str, Any]:
	"""`text` as JSON data that `from_data` turns back into the same `Text` (for a message sent
	to another process); a plain `str`, or a `Text` with values JSON cannot carry, stays as it is."""
	if not isinstance(text, Text) or not all(
		isinstance(value, _JSON_VALUES) for value in (*text.args, *text.kwargs.values())
	):
		return text
	return {
		"template": text.template,
		"args": [to_data(value) if isinstance(value, Text) else value for value in text.args],
		"kwargs": {
			key: to_data(value) if isinstance(value, Text) else value for key, value in text.kwargs.items()
		},
	}


def from_data(data: str | dict[str, Any]) -> str:
	"""The text `to_data` made `data` from."""
	if not isinstance(data, dict):
		return data
	args = tuple(from_data(value) if isinstance(value, dict) else value for value in data.get("args", ()))
	kwargs = {
		key: from_data(value) if isinstance(value, dict) else value
		for key, value in data.get("kwargs", {}).items()
	}
	return Text(data["template"], args, kwargs)


def sentence_of(error: BaseException) -> str:
	"""An error's message as it was made (a `Text` keeps its template; `str(error)` would not)."""
	return error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
