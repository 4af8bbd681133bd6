"""Shared fixtures: the template under test, the answers matrix read from copier.yml, rendering."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tooling import REPO, engine, reports, shells
from tooling.answers import answers_for, narrowing
from tooling.project import TEMPLATE_PATHS, Rendered, git


@pytest.fixture(scope="session")
def copier_template_paths() -> list[str]:
    """What pytest-copier commits into its template repository (tagged 99.99.99): the template only."""
    return TEMPLATE_PATHS


@pytest.fixture
def copier_defaults() -> dict[str, Any]:
    return answers_for()


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
    return shells.user_environment(shells.tool_path(tmp_path_factory.mktemp("tools")))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With no engine, every selected `docker` test skips for the one reason; under CI they run and fail instead."""
    engine_tests = [item for item in items if item.get_closest_marker("docker")]
    if not engine_tests or os.environ.get("CI"):
        return
    if reason := engine.engine_problem():
        for item in engine_tests:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    """A wrong PYCONTAINER_MATRIX stops the run before collection, with the axes or values there are."""
    # The image checks' asserts say what they compared, in the test's failure and in reports/harness.json.
    pytest.register_assert_rewrite("tooling.image_checks")
    try:
        narrowing()
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        reports.reset()
        session.config.stash[_STARTED] = time.time()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Gather the per-variant records into one report for the run (on the controller only)."""
    if not hasattr(session.config, "workerinput"):
        reports.gather(session.config.stash.get(_STARTED, time.time()))


_STARTED = pytest.StashKey[float]()
