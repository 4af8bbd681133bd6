"""A project generated from the previous release updates to this working tree with no manual step.

The previous release is the newest X.Y.Z tag in this repository, or, where tags were not
fetched, the commit CHANGELOG.md names for the newest release.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from copier import run_copy, run_update

from tests.answers import REPO
from tests.conftest import git

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


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"app_kind": "fastapi", "package_manager": "uv"}, id="fastapi-uv"),
        pytest.param({"app_kind": "job", "package_manager": "pip"}, id="job-pip"),
    ],
)
def test_previous_release_updates_to_the_working_tree(tmp_path, answers):
    release = previous_release()
    assert release is not None, "CHANGELOG.md records no release with its commit"
    version, ref = release
    project = tmp_path / "project"
    run_copy(
        str(REPO),
        project,
        vcs_ref=ref,
        defaults=True,
        unsafe=True,
        quiet=True,
        data={"project_name": "Upgrade Check", **answers},
    )
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", f"generated from {version}")

    run_update(project, vcs_ref="HEAD", defaults=True, unsafe=True, overwrite=True, quiet=True)

    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["app_kind"] == answers["app_kind"]
    marked = subprocess.run(["git", "diff", "--check"], cwd=project, capture_output=True, text=True)
    assert marked.returncode in (0, 2), f"git diff --check did not look (2 means markers found): {marked.stderr}"
    conflicted = sorted({line.split(":", 1)[0] for line in marked.stdout.splitlines() if "conflict marker" in line})
    assert conflicted == sorted(set(conflicted) & set(announced_conflicts(version))), (
        f"updating from {version} leaves conflicts CHANGELOG.md does not announce: {conflicted}"
    )
