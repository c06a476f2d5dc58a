"""The shell scripts users run first (trial, tests, HTTP checks) pass shellcheck."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = sorted((Path(__file__).resolve().parents[1] / "scripts").glob("*.sh"))


def test_the_trial_script_is_among_them() -> None:
	assert "trial.sh" in {script.name for script in SCRIPTS}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.name)
def test_script_passes_shellcheck(script: Path) -> None:
	shellcheck = shutil.which("shellcheck")
	assert shellcheck, "shellcheck is missing: scripts/test.sh installs it with apt"
	result = subprocess.run([shellcheck, "--severity=info", str(script)], capture_output=True, text=True)
	assert result.returncode == 0, result.stdout + result.stderr
