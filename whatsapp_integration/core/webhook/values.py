"""Total readers of Meta's JSON values: the wrong type or shape reads as None (or empty), never raises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def as_dict(value: Any) -> dict[str, Any]:
	return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
	return value if isinstance(value, list) else []


def dicts(value: Any) -> Iterator[dict[str, Any]]:
	return (item for item in as_list(value) if isinstance(item, dict))


def as_text(value: Any) -> str | None:
	if isinstance(value, bool) or value is None:
		return None
	if isinstance(value, (str, int, float)):
		return str(value).strip() or None
	return None


def joined(*values: Any) -> str | None:
	return "\n".join(text for text in map(as_text, values) if text) or None


def as_int(value: Any) -> int | None:
	if isinstance(value, bool):
		return None
	if isinstance(value, int):
		return value
	if isinstance(value, str) and value.strip().isascii():
		try:
			return int(value.strip())
		except ValueError:
			return None
	return None


def as_timestamp(value: Any) -> int | None:
	seconds = as_int(value)
	return seconds if seconds is not None and 0 <= seconds < 10**11 else None


def as_float(value: Any) -> float | None:
	if isinstance(value, bool):
		return None
	try:
		return float(value) if isinstance(value, (int, float, str)) else None
	except ValueError:
		return None


def first_error(raw: dict[str, Any]) -> tuple[int | None, str | None]:
	error = next(dicts(raw.get("errors")), {})
	return as_int(error.get("code")), as_text(error.get("title")) or as_text(error.get("message"))
