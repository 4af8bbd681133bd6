"""Every carried lock installs from wheels alone, for every offered Python, on linux amd64 and arm64.

A package that had to be built from its sdist would need a compiler in the slim image and would
install differently on each architecture, so a lock that needs one fails here, before a user builds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from copier import run_copy

from tooling import REPO
from tooling.answers import choices, matrix
from tooling.locks import LOCK_FILES

PLATFORMS = ["x86_64-manylinux_2_28", "aarch64-manylinux_2_28"]


def requirements_of(project: Path, package_manager: str) -> list[Path]:
    """The requirement files a project installs from: its own for pip, uv.lock exported for uv."""
    if package_manager == "pip":
        return [project / name for name in LOCK_FILES["pip"]]
    exported = project / "exported-requirements.txt"
    subprocess.run(
        ["uv", "export", "--frozen", "--all-groups", "--no-emit-project", "--quiet", "-o", str(exported)],
        cwd=project,
        check=True,
        capture_output=True,
    )
    return [exported]


def wheels_only_problems(requirements: Path, python_version: str, platform: str, scratch: Path) -> str:
    """uv's refusal when some locked package has no wheel for this Python and platform, else empty."""
    result = subprocess.run(
        [
            "uv",
            "pip",
            "install",
            "--dry-run",
            "--only-binary",
            ":all:",
            "--python-version",
            python_version,
            "--python-platform",
            platform,
            "--target",
            str(scratch),
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return "" if result.returncode == 0 else result.stderr.strip()


@pytest.mark.network
@pytest.mark.parametrize("axes", matrix("app_kind", "package_manager"))
def test_every_lock_installs_from_wheels_only(tmp_path, axes):
    project = tmp_path / "project"
    run_copy(str(REPO), project, defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD", data=axes)
    problems = [
        f"{path.name} on Python {version} {platform}:\n{problem}"
        for path in requirements_of(project, axes["package_manager"])
        for version in choices("python_version")
        for platform in PLATFORMS
        if (problem := wheels_only_problems(path, version, platform, tmp_path / "target"))
    ]
    assert not problems, "\n\n".join(problems)


@pytest.mark.network
def test_a_python_without_wheels_is_caught(tmp_path):
    """The check can fail: compiled packages have no wheel for a Python that is not released."""
    problem = wheels_only_problems(REPO / "includes/locks/fastapi/requirements.txt", "3.99", PLATFORMS[0], tmp_path)
    assert "has no usable wheels" in problem, problem
