"""A project generated from the previous release updates to this working tree, and its own tests pass.

The previous release is the newest X.Y.Z tag in this repository, or, where tags were not
fetched, the commit CHANGELOG.md names for the newest release. Updates run copier's command
line, as users do, so its message after the update is seen too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from copier import run_copy

from extensions import context
from tests.answers import REPO
from tests.conftest import copier_cli, git, matrix
from tests.test_update import run_own_tests

RELEASE = re.compile(
    r"^## \[(\d+\.\d+\.\d+)\][^\n]*\n(?:(?!## ).*\n)*?Released from commit `([0-9a-f]{7,40})`", re.MULTILINE
)


def previous_release() -> tuple[str, str] | None:
    """(version, git ref) of the newest release, or None before the first one."""
    tags = subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True).stdout.split()
    versions = sorted((tuple(map(int, tag.split("."))), tag) for tag in tags if re.fullmatch(r"\d+\.\d+\.\d+", tag))
    if versions:
        return versions[-1][1], versions[-1][1]
    match = RELEASE.search((REPO / "CHANGELOG.md").read_text())
    return (match.group(1), match.group(2)) if match else None


def announced_conflicts(version: str) -> list[str]:
    """Files CHANGELOG says will conflict when updating past this version (its "Conflicts" lists)."""
    changelog = (REPO / "CHANGELOG.md").read_text()
    newer = changelog.split(f"## [{version}]", 1)[0]
    return re.findall(r"^- conflict: `([^`]+)`", newer, re.MULTILINE)


def release_or_fail() -> tuple[str, str]:
    release = previous_release()
    assert release is not None, "CHANGELOG.md records no release with its commit"
    return release


def copy_release(template: Path, project: Path, **answers) -> Path:
    """A project generated from the previous release and committed, as its user has it."""
    version, ref = release_or_fail()
    data = {"project_name": "Upgrade Check", **answers}
    run_copy(str(template), project, vcs_ref=ref, defaults=True, unsafe=True, quiet=True, data=data)
    commit_all(project, f"generated from {version}")
    return project


def commit_all(project: Path, message: str) -> None:
    if not (project / ".git").exists():
        git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "--allow-empty", "-m", message)


def update_to_working_tree(project: Path, *data: str) -> str:
    """`copier update --trust --defaults` to the template's newest commit; returns what copier printed."""
    options = [arg for item in data for arg in ("--data", item)]
    result = copier_cli("update", "--trust", "--defaults", "--vcs-ref", "HEAD", *options, str(project))
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def recorded_answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def conflicted_files(project: Path) -> list[str]:
    marked = subprocess.run(["git", "diff", "--check"], cwd=project, capture_output=True, text=True)
    assert marked.returncode in (0, 2), f"git diff --check did not look (2 means markers found): {marked.stderr}"
    return sorted({line.split(":", 1)[0] for line in marked.stdout.splitlines() if "conflict marker" in line})


def relock(project: Path, message: str, python: str = sys.executable) -> None:
    """The relock command the update message gives, run as the user would (network needed)."""
    command = context.derive(recorded_answers(project))["lock_command"]
    assert command in message, f"the update message does not give the relock command {command!r}:\n{message}"
    env = {**os.environ, "UV_PYTHON": python}
    result = subprocess.run(command, shell=True, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.network
@pytest.mark.parametrize("answers", matrix("app_kind", "package_manager"))
def test_previous_release_updates_to_the_working_tree(committed_template, tmp_path, answers):
    version, _ = release_or_fail()
    project = copy_release(committed_template, tmp_path / "project", **answers)

    message = update_to_working_tree(project)

    recorded = recorded_answers(project)
    assert {key: recorded[key] for key in answers} == answers
    conflicted = conflicted_files(project)
    assert conflicted == sorted(set(conflicted) & set(announced_conflicts(version))), (
        f"updating from {version} leaves conflicts CHANGELOG.md does not announce: {conflicted}"
    )
    relock(project, message)
    run_own_tests(project, answers["package_manager"])


@pytest.mark.network
def test_a_project_on_python_3_10_keeps_it_and_hears_it_is_end_of_life(committed_template, tmp_path):
    project = copy_release(
        committed_template, tmp_path / "project", app_kind="fastapi", package_manager="uv", python_version="3.10"
    )

    message = update_to_working_tree(project)

    assert recorded_answers(project)["python_version"] == "3.10"
    assert (project / ".python-version").read_text() == "3.10\n"
    assert "FROM python:3.10-slim AS runtime" in (project / "Dockerfile").read_text()
    assert 'requires-python = ">=3.10"' in (project / "pyproject.toml").read_text()
    assert "Python 3.10 reached its end of life" in message
    assert "--data python_version=3.14" in message
    assert conflicted_files(project) == []
    # Its code still runs on 3.10: relocked and tested with this machine's CPython 3.10.
    # pyenv's shim on PATH refuses outside a directory that selects 3.10, so take the interpreter itself.
    python310 = next(Path.home().glob(".pyenv/versions/3.10.*/bin/python3.10"), None) or shutil.which("python3.10")
    assert python310, "no CPython 3.10 on this machine to run the kept project's tests with"
    relock(project, message, str(python310))
    run_own_tests(project, "uv", str(python310))


def test_an_updated_project_keeps_its_postgresql_major_until_its_user_moves(committed_template, tmp_path):
    project = copy_release(
        committed_template, tmp_path / "project", app_kind="flask", package_manager="pip", with_postgres=True
    )

    message = update_to_working_tree(project)

    assert recorded_answers(project)["postgres_major"] == "17"
    assert "stays on PostgreSQL 17" in message
    for file in ("compose.yaml", "compose.prod.yaml"):
        compose = (project / file).read_text()
        assert "image: postgres:17\n" in compose and "db-data:/var/lib/postgresql/data\n" in compose
    commit_all(project, "updated")
    update_to_working_tree(project)
    assert recorded_answers(project)["postgres_major"] == "17", "a second update moved the database"

    commit_all(project, "updated again")
    update_to_working_tree(project, "postgres_major=18")
    assert recorded_answers(project)["postgres_major"] == "18"
    compose = (project / "compose.yaml").read_text()
    assert "image: postgres:18\n" in compose and "db-data-18:/var/lib/postgresql\n" in compose


def add_dependency(project: Path, package_manager: str, requirement: str) -> None:
    """What a user does: declare a dependency and relock with the commands the README gives."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = [\n", f'dependencies = [\n    "{requirement}",\n', 1)
    )
    env = {**os.environ, "UV_PYTHON": sys.executable}
    readme = (project / "README.md").read_text()
    command = readme.split("## Dependencies", 1)[1].split("```sh\n", 1)[1].split("\n```", 1)[0]
    result = subprocess.run(command, shell=True, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.network
@pytest.mark.parametrize("package_manager", ["uv", "pip"])
def test_a_lock_the_user_changed_is_left_to_them(committed_template, tmp_path, package_manager):
    project = copy_release(committed_template, tmp_path / "project", app_kind="cli", package_manager=package_manager)
    add_dependency(project, package_manager, "attrs>=23")
    commit_all(project, "depend on attrs")
    locks = {
        name: (project / name).read_text()
        for name in ("uv.lock", "requirements.txt", "requirements-dev.txt")
        if (project / name).exists()
    }

    message = update_to_working_tree(project)

    assert conflicted_files(project) == []
    assert {name: (project / name).read_text() for name in locks} == locks, "the update changed a lock"
    assert "attrs>=23" in (project / "pyproject.toml").read_text()
    relock(project, message)
    assert all("attrs" in (project / name).read_text() for name in locks)
    run_own_tests(project, package_manager)
