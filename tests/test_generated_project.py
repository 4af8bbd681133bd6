"""Each kind x package manager pair installs as its README says, and its own checks pass."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import Rendered, matrix

HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def readme_commands(project: Rendered, heading: str) -> list[str]:
    """The shell lines of the first code block under a README heading."""
    section = project.read("README.md").split(f"## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"README has no command block under '{heading}'"
    return [line for line in block.group(1).splitlines() if line.strip()]


def run(project: Rendered, command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, cwd=project.path, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.network
@pytest.mark.parametrize("axes", matrix("app_kind", "package_manager"))
def test_readme_setup_installs_and_checks_pass(render, axes, user_environment):
    # The README names the interpreter by the answered version; answer the one running the suite.
    project = render(**axes, python_version=HOST_PYTHON)
    for command in readme_commands(project, "Set up and test"):
        result = run(project, command, user_environment)
        assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
    tests = readme_commands(project, "Set up and test")[-2]
    assert re.search(r"\d+ passed", run(project, tests, user_environment).stdout)


@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_carried_uv_lock_is_current_offline(render, axes, user_environment):
    # The lock is universal; the host's interpreter (the default, 3.14, has none here) only resolves it.
    project = render(**axes, python_version=HOST_PYTHON)
    result = run(project, "uv lock --check --offline", user_environment)
    assert result.returncode == 0, result.stderr
