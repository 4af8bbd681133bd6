"""Build and run the generated variants on a real Docker engine, one test per check.

The variants are kind x package manager x Python version x base flavour, all pairs: every value of
each axis meets every value of each other axis in at least one variant (25 variants instead of 80;
PYCONTAINER_FULL_MATRIX=1 builds all 80, PYCONTAINER_MATRIX narrows either). Each check below is
a test of its own, `test_check[<variant>-<check>]`, so `-k` picks checks; the checks of one
variant share its images and run on one xdist worker (`xdist_group`). A variant whose base image
can be neither pulled nor made here is skipped, with the reason; no other is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from copier import run_copy

from tooling import engine
from tooling import image_checks as checks
from tooling.answers import WEB_KINDS, answers_for, choices, pairs_matrix
from tooling.project import Rendered
from tooling.standins import NO_STANDIN_FLAVOURS
from tooling.variants import VariantContext, Variants

pytestmark = pytest.mark.docker


@dataclass(frozen=True)
class Check:
    name: str  # the test id's last part, for -k
    title: str  # the outcome's name in reports/harness.json, read by people
    run: Callable[[VariantContext], None]


RUNTIME = (
    Check("runtime-builds", "runtime target builds", checks.runtime_builds),
    Check("labels", "labels name the base image the runtime FROM line uses and its Python release", checks.labels),
    Check(
        "leftovers",
        "runtime image holds no uv, pip, setuid or setgid file, package cache, compiler, apt lists or tests",
        checks.no_leftovers,
    ),
    Check("secret", "build secret absent from history, config and files", checks.no_secret),
    Check("user", "numeric non-root USER", checks.numeric_user),
)
RESTRICTED = "works read-only, no capabilities, no network, any --user"
UID = "runs as a numeric non-root uid"
STOP = "docker stop ends it through its SIGTERM handler"
WEB = (
    Check("healthcheck", "HEALTHCHECK reports healthy", checks.healthy),
    Check("health", "/health answers 200", checks.health_endpoint),
    Check("ready", "/ready answers", checks.ready_endpoint),
    Check("json-logs", "stdout logs are JSON", checks.json_logs),
    Check("quiet", "nothing logged as an error at start (gunicorn's control socket is off)", checks.web_quiet),
    Check("uid", UID, checks.web_uid),
    Check("stop", STOP, checks.web_stop),
    Check("restricted", RESTRICTED, checks.web_restricted),
    Check("restricted-quiet", "nothing logged as an error under restrictions", checks.web_restricted_quiet),
    Check("restricted-stop", f"{STOP} under restrictions", checks.web_restricted_stop),
    Check("workers", "one worker per CPU of the container's quota, not of the host", checks.web_workers),
)
CLI = (
    Check("help", "--help exits 0", checks.cli_help),
    Check("bind-mount", "processes a bind-mounted file as the host's uid", checks.cli_bind_mount),
    Check("bad-file", "bad file: clear message on stderr and non-zero exit", checks.cli_bad_file),
    Check("restricted", RESTRICTED, checks.cli_restricted),
    Check("uid", UID, checks.cli_uid),
    Check("stop", STOP, checks.cli_stop),
)
JOB = (
    Check("runs-once", "runs once and exits 0", checks.job_runs_once),
    Check("options", "--help and --dry-run reach the job through the entrypoint", checks.job_options),
    Check("failing-run", "without its volume (no marker in /data) a run exits 2", checks.job_failing_run),
    Check("restricted", RESTRICTED, checks.job_restricted),
    Check("uid", UID, checks.job_uid),
    Check("stop", "docker stop during a run ends it through its SIGTERM handler", checks.job_stop),
)
AFTER = (
    Check(
        "source-edit",
        "a source edit re-runs only the runtime stage's source copy, and the image runs the edit",
        checks.source_edit,
    ),
    Check("dev-builds", "dev target builds", checks.dev_builds),
    Check("dev-tests", "project's own tests pass in the dev target", checks.dev_tests),
)
KIND_CHECKS = {**dict.fromkeys(WEB_KINDS, WEB), "cli": CLI, "job": JOB}


def checks_of(kind: str) -> tuple[Check, ...]:
    """A kind's checks in the order they run (a kind with none fails the import), each name and title once."""
    found = RUNTIME + KIND_CHECKS[kind] + AFTER
    for attribute in ("name", "title"):
        names = [getattr(check, attribute) for check in found]
        assert len(set(names)) == len(names), f"{kind}: two checks share a {attribute}: {names}"
    return found


CHECKS = {kind: checks_of(kind) for kind in choices("app_kind")}

# Every pair of values of any two axes is built and run at least once (PYCONTAINER_FULL_MATRIX=1: every
# combination); a pair is never left to a variant whose base image no stand-in can replace.
VARIANTS = pairs_matrix(
    "app_kind",
    "package_manager",
    "python_version",
    "base_flavour",
    preferred=lambda variant: variant["base_flavour"] not in NO_STANDIN_FLAVOURS,
)
CASES = [
    pytest.param(variant.values[0], check, id=f"{variant.id}-{check.name}", marks=pytest.mark.xdist_group(variant.id))
    for variant in VARIANTS
    for check in CHECKS[variant.values[0]["app_kind"]]
]


@pytest.fixture(scope="session")
def variants(copier_template: Path, tmp_path_factory):
    """This worker's variant: rendered once, its images built once for all its checks."""
    client = engine.engine()

    def render(name: str, axes: dict) -> Rendered:
        destination = tmp_path_factory.mktemp(name) / "project"
        run_copy(str(copier_template), destination, data=answers_for(**axes), defaults=True, unsafe=True, quiet=True)
        return Rendered(destination, axes)

    found = Variants(client, render, engine.secret_with_marker(tmp_path_factory.mktemp("secret")))
    yield found
    found.close()


@pytest.mark.parametrize(("axes", "check"), CASES)
def test_check(variants: Variants, axes: dict, check: Check, tmp_path: Path):
    ctx = variants.get(axes)
    ctx.tmp_path = tmp_path
    with ctx.report.check(check.title):
        check.run(ctx)
