"""Each kind's carried uv lock is current: `uv lock --check` passes offline.

What the README's "Set up and test" block does (install, lint, tests) runs verbatim in each
kind x package manager journey (tests/test_journeys.py), with every other block of the README.
"""

from __future__ import annotations

import pytest

from tooling.answers import matrix
from tooling.project import HOST_PYTHON, run


@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_carried_uv_lock_is_current_offline(render, axes, user_environment):
    # The lock is universal; the host's interpreter (the default, 3.14, has none here) only resolves it.
    project = render(**axes, python_version=HOST_PYTHON)
    result = run(project, "uv lock --check --offline", user_environment)
    assert result.returncode == 0, result.stderr
