"""The layer rules of the app (README, "Layout"), checked on every module's imports with `ast`.

Every import counts, also one inside a function or a `try`. A rule names the modules it applies
to and the imports they may not make; a violation names the module, the line, the imported name
and the rule. The second part keeps modules and classes small: no module over 400 lines, no
class with more than 25 methods.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "whatsapp_integration"
APP = ROOT / PACKAGE
MAX_MODULE_LINES = 400
MAX_CLASS_METHODS = 25


def module_name(path: Path) -> str:
	parts = list(path.relative_to(ROOT).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
	"""(line, dotted name) of everything `source` imports, wherever the import stands.
	`from a import b` yields `a.b` (b may be a module); relative imports are resolved against
	`module`."""
	for node in ast.walk(ast.parse(source)):
		if isinstance(node, ast.Import):
			for alias in node.names:
				yield node.lineno, alias.name
		elif isinstance(node, ast.ImportFrom):
			base = _absolute(node, module, is_package)
			for alias in node.names:
				yield node.lineno, base if alias.name == "*" else f"{base}.{alias.name}".lstrip(".")


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
	if not node.level:
		return node.module or ""
	package = module.split(".")
	package = package if is_package else package[:-1]
	anchor = package[: len(package) - node.level + 1]
	return ".".join([*anchor, node.module] if node.module else anchor)


def within(name: str, prefix: str) -> bool:
	return name == prefix or name.startswith(prefix + ".")


def layer(*prefixes: str) -> Callable[[str], bool]:
	return lambda module: any(within(module, f"{PACKAGE}.{prefix}") for prefix in prefixes)


def _not_a_test(module: str) -> bool:
	"""Tier-2 tests call the endpoints, as Frappe would."""
	return not within(module, f"{PACKAGE}.tests") and not module.rsplit(".", 1)[-1].startswith("test_")


@dataclass(frozen=True)
class Rule:
	id: str
	text: str
	applies_to: Callable[[str], bool]
	forbidden: tuple[str, ...]

	def broken_by(self, name: str) -> str | None:
		return next((prefix for prefix in self.forbidden if within(name, prefix)), None)


def ours(*layers: str) -> tuple[str, ...]:
	return tuple(f"{PACKAGE}.{name}" for name in layers)


RULES = [
	Rule(
		"core",
		"core/ holds domain rules only: no Frappe, no other layer of the app, no Redis, Selenium or threads",
		layer("core"),
		(
			"frappe",
			"redis",
			"selenium",
			"threading",
			*ours("services", "repositories", "session_host", "senders", "site", "operations", "api"),
		),
	),
	Rule(
		"services",
		"services/ reach data through repository protocols: no Frappe, no repositories/, site/, "
		"operations/ or api/",
		layer("services"),
		("frappe", *ours("repositories", "site", "operations", "api")),
	),
	Rule(
		"repositories",
		"repositories/ import no service (shared records live in core/)",
		layer("repositories"),
		ours("services"),
	),
	Rule(
		"entry_points",
		"api/ and tasks.py call services (composition roots in site/), never repositories/",
		layer("api", "tasks"),
		ours("repositories"),
	),
	Rule(
		"api_is_top",
		"nothing imports api/ (only Frappe calls it, through hooks.py strings and URLs)",
		lambda module: not layer("api")(module) and _not_a_test(module),
		ours("api"),
	),
]


def app_modules() -> list[Path]:
	return sorted(path for path in APP.rglob("*.py") if "__pycache__" not in path.parts)


def module_violations(rule: Rule, module: str, source: str, is_package: bool = False) -> list[str]:
	if not rule.applies_to(module):
		return []
	return [
		f"{module}:{line} imports {name} (rule {rule.id}: {rule.text})"
		for line, name in imported_names(source, module, is_package)
		if rule.broken_by(name)
	]


def violations(rule: Rule) -> list[str]:
	found = []
	for path in app_modules():
		source = path.read_text(encoding="utf-8")
		found += module_violations(rule, module_name(path), source, path.name == "__init__.py")
	return sorted(set(found))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_layer_rule_holds(rule: Rule) -> None:
	assert violations(rule) == [], "\n".join(violations(rule))


def test_every_rule_applies_to_some_module() -> None:
	modules = [module_name(path) for path in app_modules()]
	for rule in RULES:
		assert sum(map(rule.applies_to, modules)) >= 1, rule.id
	assert sum(map(layer("core"), modules)) >= 10


@pytest.mark.parametrize(
	"source",
	[
		"import frappe",
		"import os, frappe.utils",
		"from frappe import _",
		"from frappe.utils import now",
		"def f():\n\timport frappe\n",
		"try:\n\tfrom frappe import db\nexcept ImportError:\n\tpass\n",
		"class A:\n\tdef f(self):\n\t\tfrom frappe.utils import now\n",
	],
)
def test_the_check_finds_every_form_of_import(source: str) -> None:
	names = [name for _, name in imported_names(source, f"{PACKAGE}.core.x")]
	assert RULES[0].broken_by(names[-1]) == "frappe"


@pytest.mark.parametrize(
	("source", "module", "expected"),
	[
		(
			"from ..services import qr_service",
			"whatsapp_integration.core.x",
			"whatsapp_integration.services.qr_service",
		),
		("from . import states", "whatsapp_integration.core.web.x", "whatsapp_integration.core.web.states"),
		(
			"from .states import A",
			"whatsapp_integration.core.web.x",
			"whatsapp_integration.core.web.states.A",
		),
		("from whatsapp_integration import api", "whatsapp_integration.tasks", "whatsapp_integration.api"),
	],
)
def test_relative_and_package_imports_resolve_to_the_module(source: str, module: str, expected: str) -> None:
	assert [name for _, name in imported_names(source, module)] == [expected]


@pytest.mark.parametrize(
	"source", ["import frappe_helpers", "from whatsapp_integration.core import frappe", "x = 'import frappe'"]
)
def test_the_check_ignores_lookalikes(source: str) -> None:
	names = [name for _, name in imported_names(source, f"{PACKAGE}.core.x")]
	assert [name for name in names if RULES[0].broken_by(name)] == []


def test_a_violation_names_module_line_import_and_rule() -> None:
	source = "import os\n\ndef run():\n\tfrom whatsapp_integration.repositories import webhooks\n"
	rule = next(rule for rule in RULES if rule.id == "entry_points")
	assert module_violations(rule, "whatsapp_integration.tasks", source) == [
		"whatsapp_integration.tasks:4 imports whatsapp_integration.repositories.webhooks "
		f"(rule entry_points: {rule.text})"
	]
	assert module_violations(rule, "whatsapp_integration.site.services", source) == []


# Size limits


def sized_modules() -> list[Path]:
	return [path for path in app_modules() if "tests" not in path.relative_to(APP).parts]


def method_counts(source: str) -> Iterator[tuple[str, int, int]]:
	"""(class, line, number of `def`s directly in its body) of every class in `source`."""
	for node in ast.walk(ast.parse(source)):
		if isinstance(node, ast.ClassDef):
			defs = [item for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)]
			yield node.name, node.lineno, len(defs)


def test_no_module_is_over_400_lines() -> None:
	long = [
		f"{path.relative_to(ROOT)}: {lines} lines"
		for path in sized_modules()
		if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
	]
	assert long == [], "\n".join(long)


def test_no_class_has_over_25_methods() -> None:
	large = [
		f"{path.relative_to(ROOT)}:{line} class {name}: {count} methods"
		for path in sized_modules()
		for name, line, count in method_counts(path.read_text(encoding="utf-8"))
		if count > MAX_CLASS_METHODS
	]
	assert large == [], "\n".join(large)


def test_the_method_count_counts_only_the_class_body() -> None:
	source = "class A:\n\tdef a(self):\n\t\tdef inner(): ...\n\tasync def b(self): ...\n\tx = 1\n"
	assert list(method_counts(source)) == [("A", 1, 2)]
