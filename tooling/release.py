"""The previous release, as CHANGELOG.md or a tag records it, and the update from it to this working tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from extensions import context
from tooling import REPO
from tooling.project import commit_all, copier_cli, copy_template, recorded_answers

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


def release_or_fail() -> tuple[str, str]:
    release = previous_release()
    assert release is not None, "CHANGELOG.md records no release with its commit"
    return release


def copy_release(template: Path, project: Path, **answers) -> Path:
    """A project generated from the previous release and committed, as its user has it."""
    version, ref = release_or_fail()
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
    """The relock command the update message gives, run as the user would (network needed)."""
    command = context.derive(recorded_answers(project))["lock_command"]
    assert command in message, f"the update message does not give the relock command {command!r}:\n{message}"
    env = {**os.environ, "UV_PYTHON": python}
    result = subprocess.run(command, shell=True, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
