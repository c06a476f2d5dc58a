"""Request arguments the endpoints share, read the same way everywhere."""

from __future__ import annotations

import json

import frappe


def template_parameters(parameters: list[str] | str | None) -> tuple[str, ...]:
	"""Template parameters given as a list or as its JSON text (form posts send text)."""
	if parameters is None or parameters == "":
		return ()
	if isinstance(parameters, str):
		try:
			parameters = json.loads(parameters)
		except ValueError:
			frappe.throw(frappe._('Template parameters must be a JSON list of strings, e.g. ["Ada", "42"].'))
	if not isinstance(parameters, list):
		frappe.throw(frappe._("Template parameters must be a list of strings."))
	return tuple(str(value) if value is not None else "" for value in parameters)
