"""`whatsapp_integration/core` is framework-free: no module below it may import frappe."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "whatsapp_integration" / "core"


def frappe_imports(source: str) -> list[int]:
	"""Line numbers of every `import frappe...` / `from frappe... import` in `source`."""
	lines = []
	for node in ast.walk(ast.parse(source)):
		if isinstance(node, ast.Import):
			names = [alias.name for alias in node.names]
		elif isinstance(node, ast.ImportFrom) and node.level == 0:
			names = [node.module or ""]
		else:
			continue
		if any(name == "frappe" or name.startswith("frappe.") for name in names):
			lines.append(node.lineno)
	return lines


def core_files() -> list[Path]:
	return sorted(CORE.rglob("*.py"))


def test_core_has_modules_to_check() -> None:
	assert len(core_files()) >= 10


@pytest.mark.parametrize("path", core_files(), ids=lambda path: str(path.relative_to(CORE)))
def test_core_module_does_not_import_frappe(path: Path) -> None:
	assert frappe_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
	"source",
	[
		"import frappe",
		"import os, frappe.utils",
		"from frappe import _",
		"from frappe.utils import now",
		"def f():\n\timport frappe\n",
		"try:\n\tfrom frappe import db\nexcept ImportError:\n\tpass\n",
	],
)
def test_the_check_finds_every_form_of_frappe_import(source: str) -> None:
	assert frappe_imports(source)


@pytest.mark.parametrize("source", ["import frappe_helpers", "from .frappe import x", "x = 'import frappe'"])
def test_the_check_ignores_lookalikes(source: str) -> None:
	assert frappe_imports(source) == []
