"""Which files a project has: the one place that decides it.

Template files have plain names. A path below that only some projects get is listed with the
rule that keeps it; copier.yml's `_exclude` prints the paths this project does not get
(`excluded_paths`), and the tests read the same table. A file every project has needs no entry.
Paths are the project's, with `{package}` for the package directory; a folder's rule covers
everything in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .dependencies import lock_files

Rule = Callable[[Mapping[str, Any]], bool]


def kinds(*names: str) -> Rule:
    return lambda project: project["app_kind"] in names


def web(project: Mapping[str, Any]) -> bool:
    return bool(project["is_web"])


def manager(name: str) -> Rule:
    return lambda project: project["package_manager"] == name


def option(question: str) -> Rule:
    return lambda project: bool(project.get(question))


def kubernetes_kustomization(project: Mapping[str, Any]) -> bool:
    return bool(project["k8s_resources"])


ONLY_IF: dict[str, Rule] = {
    # The package: each kind's entry point and modules; the services share settings and logging.
    "src/{package}/cli.py": kinds("cli"),
    "src/{package}/summary.py": kinds("cli"),
    "src/{package}/job.py": kinds("job"),
    "src/{package}/app.py": web,
    "src/{package}/server.py": kinds("flask"),
    "src/{package}/views.py": kinds("flask"),
    "src/{package}/logs.py": web,
    "src/{package}/models.py": kinds("fastapi"),
    "src/{package}/routes.py": kinds("fastapi"),
    "src/{package}/database.py": web,
    "src/{package}/healthcheck.py": web,
    "src/{package}/migrate.py": web,
    "src/{package}/settings.py": web,
    "src/{package}/migrations": web,
    # The project's own tests.
    "tests/test_cli.py": kinds("cli"),
    "tests/test_job.py": kinds("job"),
    "tests/conftest.py": web,
    "tests/test_app.py": web,
    "tests/test_migrations.py": web,
    "tests/test_settings.py": web,
    # Locks: each package manager's own files, as the dependency model names them.
    **{name: manager(package_manager) for package_manager in ("uv", "pip") for name in lock_files(package_manager)},
    # Options.
    ".github": option("with_github_actions"),
    "k8s": option("with_kubernetes"),
    "k8s/deployment.yaml": web,
    "k8s/service.yaml": web,
    "k8s/poddisruptionbudget.yaml": web,
    "k8s/cronjob.yaml": kinds("job"),
    "k8s/kustomization.yaml": kubernetes_kustomization,
    "k8s/namespace.yaml": kubernetes_kustomization,
    "k8s/networkpolicy.yaml": kubernetes_kustomization,
}


def build_context_paths(package_manager: str) -> list[str]:
    """What the images' build context holds (.dockerignore lets only these in): the dev stage copies it all."""
    return ["src/", "tests/", "pyproject.toml", "README.md", ".python-version", *lock_files(package_manager)]


def left_out(project: Mapping[str, Any]) -> list[str]:
    """The listed paths this project does not get, with its package directory filled in."""
    return [path.format(package=project["package_name"]) for path, keep in ONLY_IF.items() if not keep(project)]


def excluded_paths(project: Mapping[str, Any]) -> str:
    """`_exclude` patterns, one per line, anchored at the project's root."""
    return "\n".join(f"/{path}" for path in left_out(project))
