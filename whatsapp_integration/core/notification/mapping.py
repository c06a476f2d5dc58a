"""A rule's message for one document: template parameters from fields or sandboxed placeholders,
or free text rendered in the app's sandbox (core/campaign/rendering), never Frappe's Jinja.

A document's values reach placeholders twice: by field name (`{{ customer_name }}`) and under
`doc` (`{{ doc.customer_name }}`). A parameter mapped to a field takes the field's display text
(what the desk shows: `₹ 1,000.00`, `29-11-2026`), given by the caller as `formatted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from whatsapp_integration.core.campaign.rendering import placeholder_names, render_text
from whatsapp_integration.core.errors import InvalidCampaign, InvalidMessage
from whatsapp_integration.core.i18n import _, joined
from whatsapp_integration.core.message import Parameter
from whatsapp_integration.core.templates.components import NAMED, TemplateVariables

DOC = "doc"


@dataclass(frozen=True)
class ParameterMapping:
	"""Template parameter {{position}} (or the variable `name` of a template with named variables):
	a document field, or a placeholder expression."""

	position: int
	field: str | None = None
	expression: str | None = None
	name: str | None = None


@dataclass(frozen=True)
class DocumentValues:
	"""A document as the message sees it: raw values and the desk's display text per field."""

	values: Mapping[str, Any]
	formatted: Mapping[str, str]

	def context(self) -> dict[str, Any]:
		plain = {field: plain_value(value) for field, value in self.values.items()}
		return {**plain, DOC: plain}


def plain_value(value: Any) -> Any:
	"""A value the sandbox can show: numbers stay numbers, dates become ISO text."""
	if isinstance(value, Decimal):
		return float(value)
	if isinstance(value, datetime | date | time):
		return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
	if isinstance(value, timedelta):
		return str(value)
	if value is None or isinstance(value, str | int | float | bool):
		return value
	return str(value)


def check_mappings(mappings: Sequence[ParameterMapping], expected: int | None) -> None:
	"""One mapping per template parameter {{1}}..{{n}}, each a field or an expression."""
	positions = sorted(mapping.position for mapping in mappings)
	if expected is not None and positions != list(range(1, expected + 1)):
		raise InvalidMessage(
			_(
				"The template has {expected} parameter(s); map each of {{{{1}}}} to {last} once "
				"(mapped: {mapped})."
			).format(
				expected=expected,
				last=f"{{{{{expected}}}}}",
				mapped=", ".join(map(str, positions)) or _("none"),
			)
		)
	for mapping in mappings:
		if bool(mapping.field) == bool((mapping.expression or "").strip()):
			raise InvalidMessage(
				_(
					"Parameter {placeholder}: choose either a document field or a placeholder "
					"expression (one of the two)."
				).format(placeholder=f"{{{{{mapping.position}}}}}")
			)


def check_template_fit(
	template: str,
	variables: TemplateVariables | None,
	mappings: Sequence[ParameterMapping],
	attach_print: bool,
) -> None:
	"""A rule can fill its template: body variables each mapped once (by position, and by name
	for a template with named variables); a document header
	exactly when the rule sends the print as PDF; no other header or button variables.
	`variables` None: the template's components are not known (only the mapping is checked)."""
	if variables is None:
		return check_mappings(mappings, None)
	_check_names(template, variables, mappings)
	check_mappings(mappings, len(variables.body))
	header = variables.header_format
	if header == "DOCUMENT" and not attach_print:
		raise InvalidMessage(
			_("Template {template} has a document header: tick Send Print as PDF Header.").format(
				template=template
			)
		)
	if attach_print and header != "DOCUMENT":
		raise InvalidMessage(
			_(
				"Template {template} has no document header for the PDF; choose a template with one, or untick "
				"Send Print as PDF Header."
			).format(template=template)
		)
	if (
		header in ("IMAGE", "VIDEO", "LOCATION")
		or variables.header
		or any(s.variables for s in variables.buttons)
	):
		raise InvalidMessage(
			_(
				"Template {template} needs a header or button value a notification cannot give; choose a template "
				"whose only variables are in its body (and an optional document header)."
			).format(template=template)
		)


def _check_names(template: str, variables: TemplateVariables, mappings: Sequence[ParameterMapping]) -> None:
	"""Named variables: each mapped once by its name; numbered ones: no names."""
	names = sorted(mapping.name or "" for mapping in mappings)
	if variables.parameter_format == NAMED and names != sorted(variables.body):
		raise InvalidMessage(
			_(
				"Template {template} has the named variables {names}: give each parameter "
				"row one of these names, each once (given: {given})."
			).format(
				template=template,
				names=", ".join(variables.body),
				given=joined([name or _("(none)") for name in names], ", "),
			)
		)
	if variables.parameter_format != NAMED and any(names):
		raise InvalidMessage(
			_("Template {template} has numbered variables: leave the variable names empty.").format(
				template=template
			)
		)


def template_parameters(
	mappings: Sequence[ParameterMapping], document: DocumentValues
) -> tuple[str | Parameter, ...]:
	"""The values of {{1}}, {{2}}, ... for `document`, in position order (a named variable's value
	carries its name)."""
	context = document.context()
	ordered = sorted(mappings, key=lambda m: m.position)
	values = [(mapping.name, _parameter(mapping, document, context)) for mapping in ordered]
	return tuple(Parameter(text, name=name) if name else text for name, text in values)


def _parameter(mapping: ParameterMapping, document: DocumentValues, context: Mapping[str, Any]) -> str:
	if mapping.field:
		if mapping.field not in document.values:
			raise InvalidMessage(
				_(
					"Parameter {placeholder} is mapped to the field {field!r}, which the "
					"document does not have. Map it to one of the document's fields."
				).format(placeholder=f"{{{{{mapping.position}}}}}", field=mapping.field)
			)
		value = document.formatted.get(mapping.field)
		text = value if value is not None else str(plain_value(document.values[mapping.field]) or "")
	else:
		text = render_text(mapping.expression or "", context)
	return text.strip()


def render_message(text: str, document: DocumentValues) -> str:
	"""A free-text message for `document`, rendered in the sandbox."""
	return render_text(text, document.context()).strip()


def check_placeholders(sources: Mapping[str, str], fieldnames: Iterable[str]) -> None:
	"""Every placeholder of every source (label -> text) names a field of the DocType or `doc`."""
	known = {*fieldnames, DOC}
	for label, source in sources.items():
		if "{" not in source:
			continue
		for name in sorted(placeholder_names(label, source) - known):
			raise InvalidCampaign(
				_(
					"Unknown placeholder {placeholder} in {label}: use a field of the document "
					"(e.g. {{{{ customer_name }}}} or {{{{ doc.customer_name }}}})."
				).format(placeholder=f"{{{{ {name} }}}}", label=label)
			)
