"""Each kind x package manager pair installs as its README says, and its own checks pass."""

from __future__ import annotations

import re

import pytest

from tooling.answers import matrix
from tooling.project import HOST_PYTHON, readme_commands, run


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
