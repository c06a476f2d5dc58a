"""Processes started for HTTP tests and benchmarks write their output into a directory of the
run ($WHATSAPP_LOG_DIR or a new temporary one), never into fixed names in the system temp folder."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from whatsapp_integration.testing import processes


@pytest.fixture(autouse=True)
def fresh_log_dir() -> Iterator[None]:
	processes.log_dir.cache_clear()
	yield
	processes.log_dir.cache_clear()


def test_output_goes_to_the_configured_log_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
	monkeypatch.setenv(processes.LOG_DIR_ENV, str(tmp_path / "logs"))
	process = processes.start_process([sys.executable, "-c", "print('started')"], "child.log")
	process.wait(30)
	assert (tmp_path / "logs" / "child.log").read_text() == "started\n"


def test_without_a_setting_each_run_gets_its_own_temporary_dir(monkeypatch: pytest.MonkeyPatch) -> None:
	monkeypatch.delenv(processes.LOG_DIR_ENV, raising=False)
	first = processes.log_dir()
	processes.log_dir.cache_clear()
	second = processes.log_dir()
	try:
		assert first != second and first.is_dir() and second.is_dir()
		assert first.parent == Path(tempfile.gettempdir()) and first.name.startswith("whatsapp-logs-")
		assert processes.log_dir() == second, "one directory for the whole run"
	finally:
		first.rmdir()
		second.rmdir()
