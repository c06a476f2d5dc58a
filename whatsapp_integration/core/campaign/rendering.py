"""Per-recipient message text from Jinja placeholders, with a sandboxed renderer only.

The core never builds an unsafe environment: the adapter passes its renderer in (Frappe's
`frappe.render_template` renders in a sandbox); `sandboxed_render` is the renderer for
everything outside Frappe (tests, benchmarks), built on jinja2's SandboxedEnvironment.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from whatsapp_integration.core.errors import InvalidCampaign, InvalidMessage

Renderer = Callable[[str, Mapping[str, Any]], str]


@functools.lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
	return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
	return _environment().from_string(source)


def sandboxed_render(source: str, context: Mapping[str, Any]) -> str:
	"""Render with jinja2's sandbox: no attribute access to internals, no unsafe calls."""
	return _compiled(source).render(**context)


def render_text(source: str, context: Mapping[str, Any], render: Renderer) -> str:
	"""The text for one recipient; a template error becomes a message the user can act on."""
	if "{" not in source:
		return source
	try:
		return render(source, context)
	except TemplateError as error:
		raise InvalidMessage(f"The message's placeholders could not be filled: {error}.")


def render_parameters(
	expressions: Sequence[str], context: Mapping[str, Any], render: Renderer
) -> tuple[str, ...]:
	"""Template parameters {{1}}, {{2}}, ... for one recipient, each from its own expression."""
	return tuple(render_text(expression, context, render).strip() for expression in expressions)


def check_parameter_count(template: str, expected: int, given: int) -> None:
	if expected != given:
		raise InvalidCampaign(
			f"Template {template} has {expected} parameter(s) but the campaign maps {given}. "
			"Give one value per placeholder {{1}}, {{2}}, ... of the template body."
		)
