"""The previous release, as CHANGELOG.md or a tag records it, and the update from it to this working tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from extensions import context
from extensions.model import updates
from tooling import REPO
from tooling.project import commit_all, copier_cli, copy_template, recorded_answers

ENTRY = re.compile(r"^## \[(\d+\.\d+\.\d+)\][^\n]*\n((?:(?!## ).*\n)*)", re.MULTILINE)
COMMIT = re.compile(r"Released from commit `([0-9a-f]{7,40})`")


def changelog_releases(changelog: str | None = None) -> list[tuple[str, str | None]]:
    """(version, commit or None) of every release entry of CHANGELOG.md, newest first."""
    text = changelog if changelog is not None else (REPO / "CHANGELOG.md").read_text()
    return [
        (version, match.group(1) if (match := COMMIT.search(body)) else None) for version, body in ENTRY.findall(text)
    ]


def releases() -> list[tuple[str, str]]:
    """(version, git ref) of every release, newest first: its tag where tags were fetched, else its commit."""
    tags = set(subprocess.run(["git", "tag", "--list"], cwd=REPO, capture_output=True, text=True).stdout.split())
    found = [(version, version if version in tags else commit) for version, commit in changelog_releases()]
    return [(version, ref) for version, ref in found if ref is not None]


def previous_release() -> tuple[str, str] | None:
    """(version, git ref) of the newest release, or None before the first one."""
    return next(iter(releases()), None)


def release_or_fail() -> tuple[str, str]:
    release = previous_release()
    assert release is not None, "CHANGELOG.md records no release with its commit"
    return release


def first_release() -> tuple[str, str]:
    """The oldest release: the only one whose new projects could choose Python 3.10 or run PostgreSQL 17."""
    every = releases()
    assert every, "CHANGELOG.md records no release with its commit"
    return every[-1]


def copy_release(template: Path, project: Path, release: tuple[str, str] | None = None, **answers) -> Path:
    """A project generated from a release (the previous one unless named) and committed, as its user has it."""
    version, ref = release or release_or_fail()
    data = {"project_name": "Upgrade Check", **answers}
    copy_template(project, data, template, ref)
    commit_all(project, f"generated from {version}")
    return project


def update_to_working_tree(project: Path, *data: str) -> str:
    """`copier update --trust --defaults` to the template's newest commit; returns what copier printed."""
    options = [arg for item in data for arg in ("--data", item)]
    result = copier_cli("update", "--trust", "--defaults", "--vcs-ref", "HEAD", *options, str(project))
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def relock(project: Path, message: str, python: str = sys.executable) -> None:
    """The relock command the update message gives, run as the user would (network needed); the message
    gives it only when the update changed pyproject.toml, and the lock is then left as it is."""
    command = context.derive(recorded_answers(project))["lock_command"]
    if "pyproject.toml" not in updates.changed(project):
        assert command not in message, f"the update changed no dependency, yet its message says to relock:\n{message}"
        return
    assert command in message, f"the update message does not give the relock command {command!r}:\n{message}"
    env = {**os.environ, "UV_PYTHON": python}
    result = subprocess.run(command, shell=True, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
