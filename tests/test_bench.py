"""The benchmark runs end to end on a tiny configuration (its figures are not asserted)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tooling import REPO

pytestmark = pytest.mark.docker


def test_benchmark_runs_on_a_tiny_configuration(tmp_path):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--only",
            "generated-uv",
            "tutorial-fastapi-pattern",
            "--output",
            str(output),
            "--work",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = output.read_text()
    row = next(line for line in table.splitlines() if line.startswith("| generated-uv |"))
    assert len([cell for cell in row.split("|") if cell.strip()]) == 8
    assert "| tutorial-fastapi-pattern |" in table and "**failed**" in table
