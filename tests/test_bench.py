"""The benchmark: its report writer on records (no engine), its command lines, and one end-to-end run on a tiny
configuration (its figures are not asserted)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from bench import ci, report
from bench.common import table
from tooling import REPO

SIZE = {"over_base": 78.2, "venv": 61.3, "app": 0.052, "bytecode": 17.9, "waste": 0.0}


def measured(**results) -> dict:
    base = {"cold_build": 3.8, "size": SIZE, "stop": 0.5, "source_rebuild": 0.2, "dependency_rebuild": 2.9}
    return {**base, "source_rebuild_ran": ["runtime 5/5 COPY"], **results}


def small_record() -> dict:
    """generated-uv misses the first-answer target; the tutorial's FastAPI pattern fails to start."""
    subjects = {
        "generated-uv": {"kind": "fastapi", "results": measured(first_answer=1.0, rps=3000.0), "failure": ""},
        "tutorial-minimal": {"kind": "fastapi", "results": measured(first_answer=0.5, rps=1000.0), "failure": ""},
        "tutorial-fastapi-pattern": {
            "kind": "fastapi",
            "results": {"cold_build": 1.46, "size": SIZE},
            "failure": "does not start: exited at once: a | b",
        },
        "generated-cli": {"kind": "cli", "results": measured(first_answer=0.3), "failure": ""},
    }
    return {"facts": {"date": "2026-01-01 00:00 UTC", "cores": "2"}, "settings": {"repeat": 1}, "subjects": subjects}


def run_module(module: str, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", module, *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def rows(text: str, start: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(start)]


def test_the_report_gives_a_miss_its_note_and_a_failure_its_reason():
    text = report.render(small_record(), {"first answer": "the server migrates first.", "size": "bytecode."})
    assert "- **date**: 2026-01-01 00:00 UTC" in text and "- **settings**: {'repeat': 1}" in text
    (first,) = rows(text, "| first answer <= 0.9x tutorial minimal (0.500 s) | generated-uv |")
    assert first.endswith("| 1.000 s (2.00x) | missed by 1.10x: the server migrates first. |")
    (throughput,) = rows(text, "| /health >= 1.5x tutorial-minimal (the FastAPI pattern does not start) (1000/s) |")
    assert throughput.endswith("| 3000/s (3.00x) | met |")
    (failed,) = rows(text, "| tutorial-fastapi-pattern |")
    assert failed == (
        "| tutorial-fastapi-pattern | 1.46 | | | 78.2 (61.3 / 0.052 / 17.9 / 0.0) "
        "| **failed**: does not start: exited at once: a \\| b | | |"
    )
    assert "## The other kinds, generated images measured alone" in text
    assert rows(text, "| generated-cli | 3.80 | 0.20 | 2.90 |")
    assert "- tutorial-fastapi-pattern:" not in text  # a failed subject has no rebuild steps
    (against_best,) = rows(text, "| generated-uv | 1.00x |")
    assert against_best == "| generated-uv | 1.00x | 1.00x | 1.00x | 1.00x | 2.00x | 1.00x | 3.00x |"


def test_the_ci_section_gives_each_machine_its_verdict():
    record = small_record()
    run = {"commit": "abc1234", "exit": 0, "tests": "906 passed"}
    record["ci"] = {
        "warm": {**run, "seconds": 901, "pytest_seconds": 880.5},
        "new machine": {**run, "seconds": 1100, "pytest_seconds": 900.0},
    }
    text = report.render(record, {"ci warm": "the journeys are most of it."})
    (warm,) = rows(text, f"| {ci.MACHINES['warm']} | abc1234 | 906 passed |")
    assert warm.endswith(
        "| 14 min 40 s | 15 min 01 s | 10 min 00 s | missed by 5 min 01 s: the journeys are most of it. |"
    )
    (new,) = rows(text, f"| {ci.MACHINES['new machine']} |")
    assert new.endswith("| 18 min 20 s | 20 min 00 s | met |")
    record["ci"]["warm"]["exit"] = 1
    assert rows(report.render(record, {}), f"| {ci.MACHINES['warm']} |")[0].endswith("| failed (exit 1) |")
    assert "## The suite's CI" not in report.render(small_record(), {})


def test_the_last_pytest_summary_of_a_ci_log_is_read():
    log = "=== 3 passed in 1.00s ===\n...\n===== 2 failed, 900 passed, 84 skipped in 937.09s (0:15:37) =====\n"
    assert ci.pytest_summary(log) == ("2 failed, 900 passed, 84 skipped", 937.09)
    assert ci.pytest_summary("engine did not start\n") == ("no pytest summary", None)


def test_a_miss_with_no_note_is_printed_alone():
    text = report.render(small_record(), {})
    assert rows(text, "| first answer <= 0.9x")[0].endswith("| missed by 1.10x |")


def test_notes_are_the_paragraph_under_each_heading(tmp_path):
    notes = tmp_path / "NOTES.md"
    notes.write_text("# Title\n\nintroduction\n\n## first answer\n\nthe server\nmigrates first.\n\n## stop\n\nfast.\n")
    assert report.read_notes(notes) == {"first answer": "the server migrates first.", "stop": "fast."}


def test_results_md_is_what_the_writer_makes_of_results_json_and_notes_md():
    record = json.loads((REPO / "bench" / "RESULTS.json").read_text())
    expected = (REPO / "bench" / "RESULTS.md").read_text()
    assert report.render(record, report.read_notes(report.NOTES)) == expected, "run `python -m bench.report`"


def test_a_table_cell_left_empty_is_one_space():
    assert table(["a", "b", "c"], [["1", "", "3"]]) == ["| a | b | c |", "|---|---|---|", "| 1 | | 3 |"]


@pytest.mark.parametrize("module", ["bench", "bench.report", "bench.web", "bench.run_once"])
def test_each_command_line_gives_its_help(module):
    result = run_module(module, "--help")
    assert result.returncode == 0, result.stderr
    assert "--output" in result.stdout


@pytest.mark.docker
def test_benchmark_runs_on_a_tiny_configuration(tmp_path):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (apt-get install wrk)")
    output = tmp_path / "RESULTS.md"
    options = ["--quick", "--only", "generated-uv", "tutorial-fastapi-pattern", "--work", str(tmp_path / "work")]
    result = run_module("bench", *options, "--output", str(output), timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = output.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| generated-uv |"))
    assert len([cell for cell in row.split("|") if cell.strip()]) == 8
    assert "| tutorial-fastapi-pattern |" in text and "**failed**" in text
    record = json.loads(output.with_suffix(".json").read_text())
    assert report.render(record, report.read_notes(report.NOTES)) == text
