"""Shared fixtures: the template under test, the answers matrix read from copier.yml, rendering."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import harness, journeys
from tests.answers import REPO, choices, questions

TEMPLATE_PATHS = ["copier.yml", "template", "extensions", "includes"]
WEB_KINDS = [kind for kind in choices("app_kind") if kind in ("fastapi", "flask")]


def answers_for(**answers: Any) -> dict[str, Any]:
    """Answers for a test project; every key must be a question of copier.yml."""
    unknown = set(answers) - set(questions())
    assert not unknown, f"answers name no question of copier.yml: {sorted(unknown)}"
    return {"project_name": "Sample Service", **answers}


def matrix(*axes: str) -> list[dict[str, Any]]:
    """Every combination of the named choice questions, as pytest params with readable ids."""
    combos = itertools.product(*(choices(axis) for axis in axes))
    return [pytest.param(dict(zip(axes, combo, strict=True)), id="-".join(map(str, combo))) for combo in combos]


@dataclass
class Rendered:
    path: Path
    answers: dict[str, Any] = field(default_factory=dict)

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    def files(self) -> set[str]:
        return {str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file() and ".git" not in p.parts}


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    """What pytest-copier commits into its template repository (tagged 99.99.99): the template only."""
    return TEMPLATE_PATHS


@pytest.fixture
def copier_defaults() -> dict[str, Any]:
    return answers_for()


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, text=True, capture_output=True).stdout


@pytest.fixture
def render(copier, tmp_path: Path):
    """Render a project with these answers (checked against copier.yml) into a fresh directory."""

    def _render(name: str = "project", **answers: Any) -> Rendered:
        project = copier.copy(tmp_path / name, **answers_for(**answers))
        return Rendered(project.path, answers)

    return _render


@pytest.fixture(scope="session")
def committed_template(tmp_path_factory) -> Path:
    """A clone of this repository with the working tree committed: successive updates need real commits."""
    clone = tmp_path_factory.mktemp("template") / "copier-pycontainer"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    for name in TEMPLATE_PATHS:
        subprocess.run(["rm", "-rf", str(clone / name)], check=True)
        subprocess.run(["cp", "-a", str(REPO / name), str(clone / name)], check=True)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--allow-empty", "-m", "working tree")
    return clone


@pytest.fixture(scope="session")
def user_environment(tmp_path_factory) -> dict[str, str]:
    """The environment of a user following a README: their PATH and tools, not the suite's venv."""
    return journeys.user_environment(journeys.tool_path(tmp_path_factory.mktemp("tools")))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With no engine, every selected `docker` test skips for the one reason; under CI they run and fail instead."""
    engine_tests = [item for item in items if item.get_closest_marker("docker")]
    if not engine_tests or os.environ.get("CI"):
        return
    if reason := harness.engine_problem():
        for item in engine_tests:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(REPO / "reports" / "variants", ignore_errors=True)
        session.config.stash[_STARTED] = time.time()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Gather the per-variant records into one report for the run (on the controller only)."""
    variants_dir = REPO / "reports" / "variants"
    if hasattr(session.config, "workerinput") or not variants_dir.is_dir():
        return
    records = [json.loads(path.read_text()) for path in sorted(variants_dir.glob("*.json"))]
    checks = [outcome for record in records for outcome in record["checks"].values()]
    report = {
        "wall_seconds": round(time.time() - session.config.stash.get(_STARTED, time.time()), 1),
        "variants_built": sum(1 for record in records if record["build_seconds"] is not None),
        "variants_passed": sum(1 for record in records if record["outcome"] == "passed"),
        "checks_passed": sum(1 for outcome in checks if outcome == "passed"),
        "checks_failed": sum(1 for outcome in checks if outcome != "passed"),
        "skipped": _SKIPPED,
        "variants": records,
    }
    (REPO / "reports" / "harness.json").write_text(json.dumps(report, indent=2))


_STARTED = pytest.StashKey[float]()
_SKIPPED: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "test_variant_builds_and_runs" in report.nodeid:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _SKIPPED[report.nodeid.split("[", 1)[1].rstrip("]")] = reason.removeprefix("Skipped: ")


def copier_cli(*args: str, offline: bool = False, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the copier command line; offline runs it in an empty network namespace (skips if none can be made)."""
    prefix: list[str] = []
    if offline:
        if subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode != 0:
            pytest.skip("unshare --net is not permitted here, so no network-free namespace can be made")
        prefix = ["unshare", "--net"]
    command = [*prefix, sys.executable, "-m", "copier", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
