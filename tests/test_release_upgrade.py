"""A project generated from the previous release updates to this working tree, and its own tests pass.

Every release CHANGELOG.md names is updated from: its X.Y.Z tag where tags were fetched, else
the commit its entry names. Updates run copier's command
line, as users do, so its message after the update is seen too.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tooling import REPO
from tooling.answers import matrix
from tooling.locks import LOCK_FILES
from tooling.project import commit_all, recorded_answers, run_own_tests
from tooling.release import (
    changelog_releases,
    copy_release,
    first_release,
    release_or_fail,
    releases,
    relock,
    update_to_working_tree,
)

RELEASES = [pytest.param(release, id=release[0]) for release in releases()]


def announced_conflicts(version: str) -> list[str]:
    """Files CHANGELOG says will conflict when updating past this version (its "Conflicts" lists)."""
    changelog = (REPO / "CHANGELOG.md").read_text()
    newer = changelog.split(f"## [{version}]", 1)[0]
    return re.findall(r"^- conflict: `([^`]+)`", newer, re.MULTILINE)


def conflicted_files(project: Path) -> list[str]:
    marked = subprocess.run(["git", "diff", "--check"], cwd=project, capture_output=True, text=True)
    assert marked.returncode in (0, 2), f"git diff --check did not look (2 means markers found): {marked.stderr}"
    return sorted({line.split(":", 1)[0] for line in marked.stdout.splitlines() if "conflict marker" in line})


@pytest.mark.network
@pytest.mark.parametrize("answers", matrix("app_kind", "package_manager"))
@pytest.mark.parametrize("release", RELEASES)
def test_every_release_updates_to_the_working_tree(committed_template, tmp_path, release, answers):
    version, _ = release
    project = copy_release(committed_template, tmp_path / "project", release, **answers)

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
        committed_template,
        tmp_path / "project",
        first_release(),
        app_kind="fastapi",
        package_manager="uv",
        python_version="3.10",
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
        committed_template,
        tmp_path / "project",
        first_release(),
        app_kind="flask",
        package_manager="pip",
        with_postgres=True,
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


@pytest.mark.parametrize("answers", matrix("app_kind"))
def test_a_project_made_by_the_first_readme_updates_by_the_changelogs_words(committed_template, tmp_path, answers):
    """0.1.0's README ran `copier copy ... . ../my-service` in the template's clone: `_src_path: .`."""
    version, ref = first_release()
    data = [
        arg
        for key, value in {"project_name": "First Readme", **answers}.items()
        for arg in ("--data", f"{key}={value}")
    ]
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--vcs-ref",
            ref,
            *data,
            ".",
            f"../first-{answers['app_kind']}",
        ],
        cwd=committed_template,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    project = committed_template.parent / f"first-{answers['app_kind']}"
    assert recorded_answers(project)["_src_path"] == "."
    commit_all(project, f"generated from {version} by its README")

    changelog = (REPO / "CHANGELOG.md").read_text().split(f"## [{version}]", 1)[0]
    section = changelog.split(f"### Updating from {version}\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    # The clone stands for the user's; the suite's copier for uvx's, at the template's newest commit.
    copier = f"{shlex.quote(sys.executable)} -m copier"
    script = block.replace("/path/to/copier-pycontainer", str(committed_template))
    script = script.replace(
        "uvx --with copier-template-extensions copier update --trust --defaults",
        f"{copier} update --trust --defaults --vcs-ref HEAD",
    )
    assert "--vcs-ref HEAD" in script, f"the CHANGELOG's block runs no update as expected:\n{block}"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "User",
        "GIT_AUTHOR_EMAIL": "user@example.com",
        "GIT_COMMITTER_NAME": "User",
        "GIT_COMMITTER_EMAIL": "user@example.com",
    }
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=project, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr

    recorded = recorded_answers(project)
    assert recorded["_src_path"] == str(committed_template)
    assert recorded["_commit"] != recorded_answers_at(project, "HEAD")["_commit"], "the update did not move"
    assert conflicted_files(project) == []


def recorded_answers_at(project: Path, revision: str) -> dict:
    shown = subprocess.run(
        ["git", "show", f"{revision}:.copier-answers.yml"], cwd=project, capture_output=True, text=True, check=True
    )
    return yaml.safe_load(shown.stdout)


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


def keep_both_sides(path: Path) -> None:
    """Resolve each conflict by keeping the user's lines, then the template's (the base, if shown, is dropped)."""
    kept: list[str] = []
    side = None
    for line in path.read_text().splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("||||||| ") and side:
            side = "base"
        elif line.startswith("=======") and side:
            side = "theirs"
        elif line.startswith(">>>>>>> ") and side:
            side = None
        elif side != "base":
            kept.append(line)
    path.write_text("".join(kept))


@pytest.mark.network
@pytest.mark.parametrize("package_manager", ["uv", "pip"])
def test_a_lock_the_user_changed_is_left_to_them(committed_template, tmp_path, package_manager):
    project = copy_release(committed_template, tmp_path / "project", app_kind="cli", package_manager=package_manager)
    add_dependency(project, package_manager, "attrs>=23")
    commit_all(project, "depend on attrs")
    locks = {name: (project / name).read_text() for name in LOCK_FILES[package_manager] if (project / name).exists()}

    message = update_to_working_tree(project)

    # This release adds the CLI's own dependencies (click, ijson) where attrs went: the conflict is
    # announced, and resolved as its user would, keeping both sides' lines.
    version, _ = release_or_fail()
    conflicted = conflicted_files(project)
    assert set(conflicted) <= set(announced_conflicts(version)), f"unannounced conflicts: {conflicted}"
    for name in conflicted:
        keep_both_sides(project / name)
    assert conflicted_files(project) == []
    assert {name: (project / name).read_text() for name in locks} == locks, "the update changed a lock"
    assert "attrs>=23" in (project / "pyproject.toml").read_text()
    relock(project, message)
    # requirements-build.txt pins only the build backend: attrs is no part of it.
    assert all("attrs" in (project / name).read_text() for name in locks if name != "requirements-build.txt")
    run_own_tests(project, package_manager)


def test_every_release_names_a_commit_of_this_repository():
    for version, commit in changelog_releases():
        assert commit, f"CHANGELOG.md's {version} entry names no commit (Released from commit `...`)"
        shown = subprocess.run(
            ["git", "show", f"{commit}:CHANGELOG.md"], cwd=REPO, capture_output=True, text=True, check=False
        )
        assert shown.returncode == 0, f"{version}'s commit {commit} is not in this repository: {shown.stderr}"
        assert changelog_releases(shown.stdout)[0][0] == version, f"{commit}'s newest CHANGELOG entry is not {version}"


def test_a_release_without_its_commit_is_reported():
    entries = changelog_releases(
        "## [Unreleased]\n\n## [2.0.0] - 2030-01-01\n\nNo commit.\n\n## [1.0.0] - 2029-01-01\n\n"
        "Released from commit `abcdef1`.\n"
    )
    assert entries == [("2.0.0", None), ("1.0.0", "abcdef1")]
