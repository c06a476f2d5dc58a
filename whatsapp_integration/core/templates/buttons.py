"""Meta's rules for template buttons: counts per type, grouping of quick replies, each field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from whatsapp_integration.core.i18n import _
from whatsapp_integration.core.templates.components import (
	BUTTON_TYPES,
	COPY_CODE,
	PHONE_NUMBER,
	QUICK_REPLY,
	URL,
	Button,
	variables_in,
)

MAX_BUTTONS, MAX_URL_BUTTONS, MAX_PHONE_BUTTONS, MAX_COPY_CODE_BUTTONS = 10, 2, 1, 1
MAX_BUTTON_TEXT, MAX_URL, MAX_COPY_CODE = 25, 2000, 15
PHONE = re.compile(r"\+?[1-9]\d{6,19}")
LABELS = {
	QUICK_REPLY: _("quick reply"),
	URL: _("URL"),
	PHONE_NUMBER: _("phone number"),
	COPY_CODE: _("copy code"),
}


def button_problems(buttons: Sequence[Button]) -> list[str]:
	problems = _count_problems(buttons)
	for position, button in enumerate(buttons, start=1):
		problems += [
			_("Button {position}: {problem}").format(position=position, problem=problem)
			for problem in _one_button(button)
		]
	return problems


def _count_problems(buttons: Sequence[Button]) -> list[str]:
	problems = []
	if len(buttons) > MAX_BUTTONS:
		problems.append(
			_("A template can have at most {limit} buttons; it has {count}.").format(
				limit=MAX_BUTTONS, count=len(buttons)
			)
		)
	for kind, limit in (
		(URL, MAX_URL_BUTTONS),
		(PHONE_NUMBER, MAX_PHONE_BUTTONS),
		(COPY_CODE, MAX_COPY_CODE_BUTTONS),
	):
		count = sum(1 for button in buttons if button.type == kind)
		if count > limit:
			problems.append(
				_("A template can have at most {limit} {kind} button(s); it has {count}.").format(
					limit=limit, kind=LABELS[kind], count=count
				)
			)
	quick = [index for index, button in enumerate(buttons) if button.type == QUICK_REPLY]
	if quick and quick[-1] - quick[0] + 1 != len(quick):
		problems.append(
			_(
				"Quick reply buttons must be next to each other, all before or all after the other buttons: "
				"reorder the buttons."
			)
		)
	return problems


def _one_button(button: Button) -> list[str]:
	if button.type not in BUTTON_TYPES:
		return [_("the type must be one of {types}.").format(types=", ".join(BUTTON_TYPES))]
	problems = []
	if button.type != COPY_CODE:
		if not button.text.strip():
			problems.append(_("write the text the button shows."))
		elif len(button.text) > MAX_BUTTON_TEXT:
			problems.append(
				_("the text has {length} characters; at most {limit} are allowed.").format(
					length=len(button.text), limit=MAX_BUTTON_TEXT
				)
			)
		if variables_in(button.text):
			problems.append(_("the button text cannot hold variables."))
	if button.type == URL:
		problems += _url_problems(button)
	elif button.type == PHONE_NUMBER and not PHONE.fullmatch(button.phone_number.replace(" ", "")):
		problems.append(_("give the phone number with its country code, e.g. +15550100200."))
	elif button.type == COPY_CODE and not re.fullmatch(rf"[A-Za-z0-9]{{1,{MAX_COPY_CODE}}}", button.example):
		problems.append(
			_("give a sample code of 1 to {limit} letters and digits.").format(limit=MAX_COPY_CODE)
		)
	return problems


def _url_problems(button: Button) -> list[str]:
	url, problems = button.url.strip(), []
	if not re.match(r"https?://[^\s/]+", url):
		return [_("the URL must start with https:// (or http://) and a host name.")]
	if len(url) > MAX_URL:
		problems.append(
			_("the URL has {length} characters; at most {limit} are allowed.").format(
				length=len(url), limit=MAX_URL
			)
		)
	names = variables_in(url)
	if names and (names != ("1",) or not re.search(r"\{\{1\}\}$", url)):
		problems.append(_("a URL may hold one variable, {{1}}, and only at its end (the dynamic suffix)."))
	elif names and not button.url_example.strip():
		problems.append(_("give an example value for the URL's {{1}} suffix."))

	return problems
