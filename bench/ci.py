"""The suite's own CI, timed as the issue puts its targets: `.ci/run` on a fresh clone of this
repository's HEAD, once with the engine and the base images present, once as on a new machine.

A "new machine" here is this one made to forget what a run leaves behind: every image (the base
images too, which the run makes again), container, volume and build cache, and empty uv, pip and
pre-commit caches. What it cannot forget is what `.ci/run` would install first on a bare machine
(the apt packages and uv), which the report says beside the figure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import docker, table
from tooling import REPO

# pytest's last line: "==== 906 passed, 84 skipped in 937.09s (0:15:37) ====".
SUMMARY = re.compile(r"^=+ (\d+ (?:passed|failed).*?) in ([\d.]+)s", re.MULTILINE)
MACHINES = {
    "warm": "engine and base images present",
    "new machine": "new machine: no images, build cache, uv or pip cache (apt packages and uv installed)",
}
TARGETS = {"warm": 10 * 60, "new machine": 20 * 60}


def forget_everything() -> None:
    """What a new machine lacks, as far as the engine goes."""
    docker("system", "prune", "--all", "--volumes", "--force")
    docker("builder", "prune", "--all", "--force")


def pytest_summary(log: str) -> tuple[str, float | None]:
    """The counts and seconds of the last pytest summary line in a log; a log without one says so."""
    found = SUMMARY.findall(log)
    if not found:
        return "no pytest summary", None
    counts, seconds = found[-1]
    return counts, float(seconds)


def time_ci(work: Path, machine: str) -> dict:
    """One `.ci/run` of a fresh clone of HEAD, with CI=true as a CI service sets it."""
    clone = work / f"ci-{machine.replace(' ', '-')}"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
    env = {**os.environ, "CI": "true"}
    if machine == "new machine":
        forget_everything()
        caches = work / "ci-caches"
        shutil.rmtree(caches, ignore_errors=True)
        env |= {"UV_CACHE_DIR": str(caches / "uv"), "PIP_CACHE_DIR": str(caches / "pip"), "XDG_CACHE_HOME": str(caches)}
    log = work / f"{clone.name}.log"
    started = time.monotonic()
    with log.open("w") as output:
        run = subprocess.run(["bash", ".ci/run"], cwd=clone, env=env, stdout=output, stderr=subprocess.STDOUT)
    seconds = round(time.monotonic() - started)
    counts, pytest_seconds = pytest_summary(log.read_text())
    return {
        "commit": commit.stdout.strip(),
        "exit": run.returncode,
        "seconds": seconds,
        "pytest_seconds": pytest_seconds,
        "tests": counts,
    }


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s"


def section(record: dict, notes: dict[str, str]) -> list[str]:
    """RESULTS.md's CI table: each machine's run against its target, a miss with NOTES.md's `ci` paragraph."""
    runs = record.get("ci") or {}
    rows = []
    for machine, run in runs.items():
        target = TARGETS[machine]
        if run["exit"] != 0:
            verdict = f"failed (exit {run['exit']})"
        elif run["seconds"] <= target:
            verdict = "met"
        else:
            verdict = f"missed by {minutes(run['seconds'] - target)}"
            if f"ci {machine}" in notes:
                verdict += f": {notes[f'ci {machine}']}"
        rows.append(
            [
                MACHINES[machine],
                run["commit"],
                run["tests"],
                minutes(run["pytest_seconds"]),
                minutes(run["seconds"]),
                minutes(target),
                verdict,
            ]
        )
    if not rows:
        return []
    header = ["Machine", "commit", "tests", "pytest", "whole `.ci/run`", "target", "verdict"]
    intro = "`CI=true bash .ci/run` on a fresh clone of HEAD, 2 cores, nothing else running, in this run."
    return ["", "## The suite's CI", "", intro, "", *table(header, rows)]
