"""The rules Meta applies to a new or edited template, checked before any request so the desk
can say what to fix. `check_draft` names every problem at once (`InvalidTemplate.problems`)."""

from __future__ import annotations

import re

from whatsapp_integration.core.errors import InvalidMessage
from whatsapp_integration.core.i18n import _, joined
from whatsapp_integration.core.templates.buttons import button_problems
from whatsapp_integration.core.templates.components import (
	CATEGORIES,
	HEADER_FORMATS,
	MEDIA_FORMATS,
	NAMED,
	POSITIONAL,
	VARIABLE,
	TemplateDraft,
	variables_in,
)

NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z][A-Za-z]{1,3})?")
PARAMETER_NAME = re.compile(r"[a-z_][a-z0-9_]*")
MAX_BODY, MAX_HEADER_TEXT, MAX_FOOTER = 1024, 60, 60
MAX_CODE_EXPIRATION_MINUTES = 90
# What Meta takes as a header sample, by header format: MIME types and the size limit.
SAMPLE_TYPES = {
	"IMAGE": (("image/jpeg", "image/png"), 5 * 1024 * 1024),
	"VIDEO": (("video/mp4",), 16 * 1024 * 1024),
	"DOCUMENT": (("application/pdf",), 100 * 1024 * 1024),
}


class InvalidTemplate(InvalidMessage):
	"""A template Meta would refuse; `problems` lists each thing to fix."""

	def __init__(self, problems: list[str]) -> None:
		super().__init__(joined(problems))
		self.problems = problems


def check_draft(draft: TemplateDraft) -> None:
	"""Raise `InvalidTemplate` naming every rule `draft` breaks."""
	problems = draft_problems(draft)
	if problems:
		raise InvalidTemplate(problems)


def draft_problems(draft: TemplateDraft) -> list[str]:
	problems = _identity_problems(draft)
	if draft.category == "AUTHENTICATION":
		return problems + _authentication_problems(draft)
	problems += _header_problems(draft)
	problems += _body_problems(draft)
	if len(draft.footer) > MAX_FOOTER:
		problems.append(
			_("The footer has {length} characters; at most {limit} are allowed.").format(
				length=len(draft.footer), limit=MAX_FOOTER
			)
		)
	if variables_in(draft.footer):
		problems.append(_("The footer cannot hold variables: write it as fixed text."))
	return problems + button_problems(draft.buttons)


def _identity_problems(draft: TemplateDraft) -> list[str]:
	problems = []
	if not NAME.fullmatch(draft.name or ""):
		problems.append(
			_(
				"Template name {name!r} may only hold lower-case letters, digits and underscores "
				"(e.g. order_update), at most 512 characters."
			).format(name=draft.name)
		)
	if not LANGUAGE.fullmatch(draft.language or ""):
		problems.append(
			_("Language {language!r} is not a language code Meta knows, e.g. en, en_US, pt_BR.").format(
				language=draft.language
			)
		)
	if draft.category not in CATEGORIES:
		problems.append(_("Choose the category: {categories}.").format(categories=", ".join(CATEGORIES)))
	if draft.parameter_format not in (POSITIONAL, NAMED):
		problems.append(
			_("Parameter format must be {positional} ({{{{1}}}}) or {named} ({{{{first_name}}}}).").format(
				positional=POSITIONAL, named=NAMED
			)
		)
	return problems


def _header_problems(draft: TemplateDraft) -> list[str]:
	kind = draft.header_format
	if not kind:
		return []
	if kind not in HEADER_FORMATS:
		return [
			_("Header format must be one of {formats}, or empty for no header.").format(
				formats=", ".join(HEADER_FORMATS)
			)
		]
	if kind in MEDIA_FORMATS:
		# A synced template's example is the URL of Meta's copy, no upload handle to send back
		if draft.header_sample or (draft.header_handle and not draft.header_handle.startswith("http")):
			return []
		return [
			_("Attach a sample {kind} for the header: Meta reviews the template with it.").format(
				kind=kind.lower()
			)
		]
	if kind != "TEXT":
		return []
	text, problems = draft.header_text, []
	if not text.strip():
		problems.append(_("Write the header text, or set the header format to none."))
	if len(text) > MAX_HEADER_TEXT:
		problems.append(
			_("The header text has {length} characters; at most {limit} are allowed.").format(
				length=len(text), limit=MAX_HEADER_TEXT
			)
		)
	if "\n" in text:
		problems.append(_("The header text must be a single line."))
	names = variables_in(text)
	if len(names) > 1:
		problems.append(_("The header text may hold one variable; it has {count}.").format(count=len(names)))
	return problems + _variable_problems(_("header"), text, names[:1], (draft.header_example,), draft)


def _body_problems(draft: TemplateDraft) -> list[str]:
	body = draft.body
	if not body.strip():
		return [_("Write the body text: it is the message the customer reads.")]
	problems = []
	if len(body) > MAX_BODY:
		problems.append(
			_("The body has {length} characters; at most {limit} are allowed.").format(
				length=len(body), limit=MAX_BODY
			)
		)
	stripped = body.strip()
	if VARIABLE.match(stripped) or re.search(r"\{\{[^{}]*\}\}$", stripped):
		problems.append(_("The body cannot start or end with a variable: add text before or after it."))
	return problems + _variable_problems(_("body"), body, variables_in(body), draft.body_examples, draft)


def _variable_problems(
	where: str, text: str, names: tuple[str, ...], examples: tuple[str, ...], draft: TemplateDraft
) -> list[str]:
	if "{{" in VARIABLE.sub("", text) or "}}" in VARIABLE.sub("", text):
		return [
			_("The {where} has unmatched braces: write variables as {{{{1}}}} or {{{{name}}}}.").format(
				where=where
			)
		]
	problems = _name_problems(where, names, draft.parameter_format)
	examples = tuple(example for example in examples if example.strip())
	if names and len(examples) != len(names):
		shown = ", ".join(f"{{{{{name}}}}}" for name in names)
		problems.append(
			_(
				"The {where} has {count} variable(s) ({shown}) and {examples} example(s): "
				"give one example per variable, one per line, in the order the variables appear."
			).format(where=where, count=len(names), shown=shown, examples=len(examples))
		)
	return problems


def _name_problems(where: str, names: tuple[str, ...], parameter_format: str) -> list[str]:
	if parameter_format == NAMED:
		wrong = [name for name in names if not PARAMETER_NAME.fullmatch(name)]
		return [
			_(
				"The {where} variable {variable} is not a valid name: use lower-case letters, digits "
				"and underscores, e.g. {{{{first_name}}}}."
			).format(where=where, variable=f"{{{{{name}}}}}")
			for name in wrong
		]
	if any(not name.isdigit() for name in names):
		return [
			_(
				"The {where} uses named variables; with numbered parameters write {{{{1}}}}, {{{{2}}}}, ... "
				"(or choose the NAMED parameter format)."
			).format(where=where)
		]
	expected = tuple(str(number) for number in range(1, len(names) + 1))
	if names != expected:
		found = ", ".join(f"{{{{{name}}}}}" for name in names)
		want = ", ".join(f"{{{{{name}}}}}" for name in expected)
		return [
			_(
				"The {where} variables must be numbered in order from {{{{1}}}} without gaps: "
				"found {found}, expected {expected}."
			).format(where=where, found=found, expected=want)
		]
	return []


def _authentication_problems(draft: TemplateDraft) -> list[str]:
	problems = []
	if draft.header_format or draft.body.strip() or draft.footer.strip():
		problems.append(
			_(
				"Authentication templates use Meta's fixed text: leave header, body and footer empty "
				"(choose the security recommendation and the code expiry instead)."
			)
		)
	if not 0 <= draft.code_expiration_minutes <= MAX_CODE_EXPIRATION_MINUTES:
		problems.append(
			_("The code expiry must be between 1 and {limit} minutes.").format(
				limit=MAX_CODE_EXPIRATION_MINUTES
			)
		)
	if len(draft.buttons) > 1:
		problems.append(_("An authentication template has one button, the copy-code button."))
	return problems


def sample_problem(header_format: str, mime_type: str, size: int) -> str | None:
	"""Why Meta would refuse this file as the header's sample, or None."""
	types, limit = SAMPLE_TYPES.get(header_format, ((), 0))
	if mime_type not in types:
		return _("A {kind} header sample must be {types}, not {mime_type}.").format(
			kind=header_format.lower(), types=" or ".join(types), mime_type=mime_type or "unknown"
		)
	if size > limit:
		return _("The header sample has {size:,} bytes; Meta takes at most {limit:,} for a {kind}.").format(
			size=size, limit=limit, kind=header_format.lower()
		)
	if size == 0:
		return _("The header sample file is empty.")

	return None
