"""Per-recipient message text from placeholders, rendered in the app's own sandbox only.

Campaign messages and template parameters are written by users and filled with each
recipient's values. They render from the string itself (never a template file) in a jinja2
SandboxedEnvironment that sees the recipient's context and nothing else (no globals, no
`frappe`), with strict undefined: a misspelt placeholder is an error, and `check_placeholders`
finds it before the campaign starts. The work a message can ask for is bounded: only output
and `{% if %}` blocks (no loops, assignments, macros, includes), a short list of filters and
string methods, size-checked operators and joins, and a cap on the rendered length.
"""

from __future__ import annotations

import difflib
import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jinja2 import StrictUndefined, TemplateError, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from whatsapp_integration.core.errors import InvalidCampaign, InvalidMessage
from whatsapp_integration.core.i18n import _

Renderer = Callable[[str, Mapping[str, Any]], str]

# What the campaign service puts into every recipient's context besides the recipient's values.
BASE_PLACEHOLDERS = frozenset({"recipient_name", "phone", "campaign"})
MAX_VALUE_LENGTH = 65_536  # any string or sequence built while rendering, and the output
MAX_INTEGER_BITS = 256
_STATEMENTS = (nodes.Output, nodes.If)
_FILTERS = (
	"abs capitalize count d default first float int last length lower round string title trim truncate upper"
).split()
_METHODS = frozenset(
	{"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith", "endswith"}
)
_SIZED = (str, list, tuple)


class _BoundedCode(CodeGenerator):
	"""Joins `a ~ b` through the environment, so a join is size-checked like `+`."""

	def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
		self.write("environment.bounded_join((")
		for argument in node.nodes:
			self.visit(argument, frame)
			self.write(", ")
		self.write("))")


class _Sandbox(SandboxedEnvironment):
	code_generator_class = _BoundedCode
	intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

	def __init__(self) -> None:
		super().__init__(undefined=StrictUndefined, autoescape=False)
		self.globals.clear()
		self.filters = {name: self.filters[name] for name in _FILTERS}
		self.filters["replace"] = _bounded_replace

	def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
		if callable(value) and attr not in _METHODS:
			return False
		return super().is_safe_attribute(obj, attr, value)

	def wrap_str_format(self, value: Any) -> None:
		"""`str.format` pads to any width: not offered (`is_safe_attribute` refuses it)."""
		return None

	def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
		_check_binop(operator_, left, right)
		return super().call_binop(context, operator_, left, right)

	def bounded_join(self, parts: Sequence[Any]) -> str:
		texts = [str(part) for part in parts]
		_check_size(sum(map(len, texts)))
		return "".join(texts)


def _check_binop(operator_: str, left: Any, right: Any) -> None:
	if operator_ == "%" and isinstance(left, str):
		raise SecurityError("`%` formatting is not available; write the placeholders into the text")
	if operator_ == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
		_check_size(len(left) + len(right))
	elif operator_ == "*":
		_check_product(left, right)
	elif operator_ == "**" and isinstance(left, int) and isinstance(right, int) and abs(left) > 1:
		if right > 0 and left.bit_length() * right > MAX_INTEGER_BITS:
			raise SecurityError("the number is too large")


def _check_product(left: Any, right: Any) -> None:
	if isinstance(left, int) and isinstance(right, _SIZED):
		left, right = right, left
	if isinstance(left, _SIZED) and isinstance(right, int):
		_check_size(len(left) * right)
	elif isinstance(left, int) and isinstance(right, int):
		if left.bit_length() + right.bit_length() > MAX_INTEGER_BITS:
			raise SecurityError("the number is too large")


def _check_size(length: int) -> None:
	if length > MAX_VALUE_LENGTH:
		raise SecurityError(f"the text would be longer than {MAX_VALUE_LENGTH:,} characters")


def _bounded_replace(value: Any, old: str, new: str, count: int | None = None) -> str:
	text, old, new = str(value), str(old), str(new)
	if not old:
		raise SecurityError("replace needs the text to look for")
	found = text.count(old) if count is None else min(text.count(old), max(count, 0))
	_check_size(len(text) + found * (len(new) - len(old)))
	return text.replace(old, new, -1 if count is None else count)


@functools.lru_cache(maxsize=1)
def _environment() -> _Sandbox:
	return _Sandbox()


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
	environment = _environment()
	tree = environment.parse(source)
	for statement in tree.find_all(nodes.Stmt):
		if not isinstance(statement, _STATEMENTS):
			raise SecurityError(
				"only {{ placeholders }} and {% if %} blocks are allowed "
				f"(line {statement.lineno} has a `{type(statement).__name__.lower()}` statement)"
			)
	return environment.from_string(tree)


def sandboxed_render(source: str, context: Mapping[str, Any]) -> str:
	"""Render `source` with only `context` in scope; bounded in size and work."""
	parts: list[str] = []
	length = 0
	for part in _compiled(source).generate(**context):
		length += len(part)
		_check_size(length)
		parts.append(part)
	return "".join(parts)


def render_text(source: str, context: Mapping[str, Any], render: Renderer = sandboxed_render) -> str:
	"""The text for one recipient; a template error becomes a message the user can act on."""
	if "{" not in source:
		return source
	try:
		return render(source, context)
	except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as error:
		reason = str(error).rstrip(".")
		raise InvalidMessage(
			_("The message's placeholders could not be filled: {reason}.").format(reason=reason)
		) from None


def render_parameters(
	expressions: Sequence[str], context: Mapping[str, Any], render: Renderer = sandboxed_render
) -> tuple[str, ...]:
	"""Template parameters {{1}}, {{2}}, ... for one recipient, each from its own expression."""
	return tuple(render_text(expression, context, render).strip() for expression in expressions)


def placeholder_names(label: str, source: str) -> set[str]:
	"""The context names `source` uses; raises `InvalidCampaign` for what can never render."""
	try:
		_compiled(source)
		return set(meta.find_undeclared_variables(_environment().parse(source)))
	except TemplateError as error:
		reason = str(error).rstrip(".")
		raise InvalidCampaign(
			_("The placeholders of {label} are not valid: {reason}.").format(label=label, reason=reason)
		) from None


def check_placeholders(sources: Mapping[str, str], contexts: Sequence[Mapping[str, Any]]) -> None:
	"""Before anything is sent: every placeholder of every source (label -> text) must have a
	value for every recipient (`contexts`, without the base placeholders). Without recipients
	only the syntax is checked."""
	used = {label: placeholder_names(label, source) for label, source in sources.items() if "{" in source}
	if not contexts:
		return
	everyone = BASE_PLACEHOLDERS.union(functools.reduce(operator.and_, (set(c) for c in contexts)))
	someone = BASE_PLACEHOLDERS.union(*(set(c) for c in contexts))
	for label, names in used.items():
		for name in sorted(names - everyone):
			raise InvalidCampaign(_unknown(label, name, everyone, someone, contexts))


def _unknown(
	label: str, name: str, everyone: set[str], someone: set[str], contexts: Sequence[Mapping[str, Any]]
) -> str:
	if name in someone:
		missing = sum(1 for context in contexts if name not in context)
		return _(
			"The placeholder {placeholder} in {label} has no value for {missing} of {count} "
			"recipients. Give every recipient a {name!r} column, or remove the placeholder."
		).format(placeholder=_placeholder(name), label=label, missing=missing, count=len(contexts), name=name)
	close = difflib.get_close_matches(name, sorted(everyone), n=1)
	available = ", ".join(sorted(everyone))
	if close:
		return _(
			"Unknown placeholder {placeholder} in {label}. Did you mean {close}? Available placeholders: "
			"{available}."
		).format(
			placeholder=_placeholder(name), label=label, close=_placeholder(close[0]), available=available
		)
	return _("Unknown placeholder {placeholder} in {label}. Available placeholders: {available}.").format(
		placeholder=_placeholder(name), label=label, available=available
	)


def _placeholder(name: str) -> str:
	return f"{{{{ {name} }}}}"


def message_sources(text: str | None, parameters: Iterable[str]) -> dict[str, str]:
	"""The placeholder sources of a campaign, labelled for error messages."""
	sources = {_("the message"): text} if text else {}
	for position, parameter in enumerate(parameters, start=1):
		sources[_("template parameter {placeholder}").format(placeholder=f"{{{{{position}}}}}")] = parameter
	return sources


def check_parameter_count(template: str, expected: int, given: int) -> None:
	if expected != given:
		raise InvalidCampaign(
			_(
				"Template {template} has {expected} parameter(s) but the campaign maps {given}. "
				"Give one value per placeholder {{{{1}}}}, {{{{2}}}}, ... of the template body."
			).format(template=template, expected=expected, given=given)
		)
