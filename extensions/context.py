"""Every value the template derives from the answers, computed once, in one place.

Template files print these values: a condition left in one chooses a whole block of text, never
a value (a command, a name, a number). `derive()` computes them from the variant model, `model/`,
one module per axis; the suite's tests and image tooling read the same functions through this
module, so a generated file and the harness that checks it can never disagree about an image
reference, a command or a port.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from copier.errors import UserMessageError
from copier_template_extensions import ContextHook

try:
    # Copier gives tasks and _exclude `_copier_operation` but not questions; its own variable is the source.
    from copier._main import _operation as _copier_operation
except ImportError:  # pragma: no cover - copier older than 9.5, refused by _min_copier_version
    _copier_operation = None


def _load_model() -> None:
    """Load `model/` afresh as the package beside this module, where `from .model` below looks for it.

    Copier loads this file by path, as `copier_template_extensions.context`, a package without a
    `model`; and an update renders two releases of the template in one process, each with its own.
    """
    name = f"{__package__}.model"
    for loaded in [module for module in sys.modules if module == name or module.startswith(f"{name}.")]:
        del sys.modules[loaded]
    directory = Path(__file__).with_name("model")
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)


_load_model()

from .model import files  # noqa: E402
from .model.commands import (  # noqa: E402
    SIGTERM_EXIT,
    WEB_FRAMEWORKS,
    WEB_KINDS,
    WEB_SERVERS,
    compose_prod_header,
    compose_watch_command,
    console_script,
    dev_command,
    health_probe,
    image_serve_command,
    json_array,
    lint_command,
    local_serve_command,
    migrate_command,
    run_prefix,
    runtime_command,
    setup_steps,
    tests_command,
)
from .model.dependencies import (  # noqa: E402
    IMPORT_NAMES,
    LOCK_PYTHON_FLOOR,
    PIP_LOCK_FILES,
    build_dependencies,
    dependency_import_names,
    dev_dependencies,
    ignored_test_warnings,
    lock_command_line,
    lock_commands,
    lock_files,
    python_floor,
    requirement_name,
    runtime_dependencies,
)
from .model.devloop import dev_watch, devcontainer, just_recipes, pre_commit_command  # noqa: E402
from .model.images import (  # noqa: E402
    DATABASE_PORT,
    POSTGRES_MAJOR,
    base_image,
    base_image_from,
    postgres_data_path,
    postgres_image,
    postgres_volume,
    runtime_flavour,
    site_packages,
    uv_build_range,
    uv_image,
)
from .model.kubernetes import (  # noqa: E402
    KUBERNETES_CRONJOB_NAME_MAX,
    KUBERNETES_NAME_MAX,
    SCHEDULE_TIME_ZONE,
    cron_schedule,
    database_secret_files,
    host_crontab_line,
    kubernetes_name,
    kubernetes_resources,
    network_policy,
)
from .model.updates import CONFLICTS_COMMAND, UpdateReport  # noqa: E402
from .model.versions import ACTIONLINT_VERSION, HADOLINT_VERSION, UV_VERSION  # noqa: E402

# What the suite's tests, tooling and validators read through this module, beyond what derive() uses.
__all__ = [
    "CONFLICTS_COMMAND",
    "IMPORT_NAMES",
    "LOCK_PYTHON_FLOOR",
    "PIP_LOCK_FILES",
    "REFUSALS",
    "UV_VERSION",
    "ContextUpdater",
    "dependency_import_names",
    "derive",
    "lock_commands",
    "requirement_name",
]

# Where validators (validators.refused) keep the problems of answers given with --data, on copier's
# Jinja environment, until refusal() reports the first as copier's own one-line message.
REFUSALS = "pycontainer_refusals"


def _choices() -> dict[str, list[str]]:
    """Each choice question's values, as copier.yml lists them."""
    questions = yaml.safe_load(Path(__file__).parents[1].joinpath("copier.yml").read_text())
    found = {}
    for name, spec in questions.items():
        if isinstance(spec, dict) and spec.get("choices"):
            options = spec["choices"]
            values = options.values() if isinstance(options, dict) else options
            found[name] = [str(value["value"] if isinstance(value, dict) else value) for value in values]
    return found


def _validating() -> bool:
    """Whether this render is a validator's: copier turns any exception raised there into its traceback."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "validate_answer":
            return True
        frame = frame.f_back
    return False


def given(context: Any) -> dict[str, Any]:
    """The answers given with --data (or copier's `data` argument), as copier passed them."""
    conf = context.get("_copier_conf")
    return dict(conf["data"] or {}) if conf is not None and "data" in conf else {}


def refusal(environment: Any, context: dict[str, Any]) -> None:
    """Refuse a bad --data answer with one message, where copier would print a traceback before it."""
    data = given(context)
    for question, values in _choices().items():
        if question in data and str(data[question]) not in values:
            raise UserMessageError(
                f"Validation error for question '{question}': '{data[question]}' is not one of {', '.join(values)}"
            )
    refusals = environment.__dict__.get(REFUSALS)
    if refusals and not _validating():
        question, problem = next(iter(refusals.items()))
        raise UserMessageError(f"Validation error for question '{question}': {problem}")


REQUIRED_ANSWERS = frozenset(
    {"project_slug", "package_name", "app_kind", "package_manager", "python_version", "base_flavour", "app_uid"}
)


def derive(answers: dict[str, Any]) -> dict[str, Any]:
    """All derived values for one set of answers."""
    kind = answers["app_kind"]
    package = answers["package_name"]
    slug = answers["project_slug"]
    is_web = kind in WEB_KINDS
    port = int(answers.get("port") or 8000)
    digest = answers.get("base_image_digest") or ""
    command = runtime_command(kind, package, slug)
    version, flavour = answers["python_version"], answers["base_flavour"]
    shipped = runtime_flavour(flavour)
    uid = int(answers["app_uid"])
    uses_postgres = is_web and bool(answers.get("with_postgres"))
    major = int(answers.get("postgres_major") or POSTGRES_MAJOR)
    kubernetes = kubernetes_name(slug)
    derived = {
        "is_web": is_web,
        "image_family": "alpine" if flavour == "alpine" else "debian",
        "runtime_partial": "web" if is_web else kind,
        "web_framework": WEB_FRAMEWORKS.get(kind, ""),
        "web_server": WEB_SERVERS.get(kind, ""),
        # The digest pins the image that ships: the runtime base (for full, its slim sibling).
        "base_image": base_image(version, shipped, digest),
        "build_image_from": base_image_from(version, flavour, digest if shipped == flavour else ""),
        "runtime_image_from": base_image_from(version, shipped, digest),
        "uv_image": uv_image(),
        "hadolint_version": HADOLINT_VERSION,
        "uv_build_range": uv_build_range(),
        "site_packages": site_packages(version),
        "postgres_image": postgres_image(major),
        "postgres_major": major,
        "postgres_data_path": postgres_data_path(major),
        "postgres_volume": postgres_volume(major),
        "newest_postgres_major": POSTGRES_MAJOR,
        "python_floor": python_floor(version),
        # datetime.UTC is 3.11's; ruff asks for it once requires-python allows, a project on 3.10 keeps timezone.utc.
        "utc_import": "UTC, datetime" if python_floor(version) != "3.10" else "datetime, timezone",
        "utc_name": "UTC" if python_floor(version) != "3.10" else "timezone.utc",
        "uses_postgres": uses_postgres,
        "database_port": DATABASE_PORT,
        # Kubernetes: one namespace named after the project, set once in k8s/kustomization.yaml.
        "k8s_resources": kubernetes_resources(kind, bool(answers.get("with_kubernetes"))),
        "k8s_namespace": kubernetes,
        "k8s_secrets_dir": "/run/secrets/database",
        "k8s_secret_files": database_secret_files(uses_postgres),
        "network_policy": network_policy(is_web, port, uses_postgres),
        "app_uid": uid,
        "app_gid": uid,
        "expose_port": port if is_web else None,
        "console_script": console_script(slug),
        "runtime_entrypoint": json_array(command["entrypoint"]) if command["entrypoint"] else "",
        "runtime_cmd": json_array(command["cmd"]) if command["cmd"] else "",
        "dev_cmd": json_array(dev_command(kind, package, slug)),
        "health_probe": json_array(health_probe(kind, package)) if is_web else "",
        "migrate_cmd": json_array(migrate_command(kind, package)) if is_web else "",
        "compose_health_test": json_array(["CMD", *health_probe(kind, package)]) if is_web else "",
        "runtime_dependencies": runtime_dependencies(kind),
        "dev_dependencies": dev_dependencies(kind, python_floor(version)),
        # pip builds the project without isolation, with the backend its locks pin; uv builds it itself.
        "build_dependencies": build_dependencies() if answers["package_manager"] == "pip" else [],
        "ignored_test_warnings": ignored_test_warnings(kind, python_floor(version)),
        "image_name": slug,
        "kubernetes_name": kubernetes,
        "kubernetes_cronjob_name": kubernetes_name(slug, KUBERNETES_CRONJOB_NAME_MAX),
        "kubernetes_secret_name": kubernetes_name(slug, KUBERNETES_NAME_MAX - len("-database")) + "-database",
        "cron_schedule": cron_schedule(answers.get("schedule") or ""),
        "lock_command": lock_command_line(answers["package_manager"], python_floor(version)),
        "sigterm_exit": SIGTERM_EXIT,
        "run_prefix": run_prefix(answers["package_manager"]),
        "setup_steps": setup_steps(answers["package_manager"], version),
        "tests_command": tests_command(answers["package_manager"]),
        "lint_command": lint_command(answers["package_manager"]),
        "local_serve_command": local_serve_command(kind, answers["package_manager"], package),
        "image_serve_command": image_serve_command(kind, slug, port),
        "schedule_time_zone": SCHEDULE_TIME_ZONE,
        "host_crontab_line": host_crontab_line(answers.get("schedule") or ""),
        "compose_watch_command": compose_watch_command(kind),
        "compose_prod_header": compose_prod_header(kind, uses_postgres),
        "dev_watch": dev_watch(kind, answers["package_manager"]),
        # As the README names them, in backticks.
        "lock_files_quoted": [f"`{name}`" for name in lock_files(answers["package_manager"])],
        "just_recipes": just_recipes(answers),
        "pre_commit_command": pre_commit_command(answers["package_manager"]),
        "actionlint_version": ACTIONLINT_VERSION,
        "conflicts_command": CONFLICTS_COMMAND,
        "devcontainer_json": json.dumps(devcontainer(answers, port if is_web else None), indent=2, ensure_ascii=False),
    }
    # Which files the project has follows from all of the above (model/files.py).
    derived["excluded_paths"] = files.excluded_paths({**answers, **derived})
    derived["build_context_paths"] = files.build_context_paths(answers["package_manager"])
    return derived


def updatable_source(source: str, cwd: Path) -> str:
    """The template source to record: a relative local path made absolute, so that `copier update`
    run from inside the project finds the template instead of taking the project for it."""
    if "://" in source or source.startswith(("gh:", "gl:", "git@", "/", "~")):
        return source
    candidate = cwd / source
    return str(candidate.resolve()) if candidate.is_dir() else source


class ContextUpdater(ContextHook):
    """Adds the derived values to every template's context."""

    def hook(self, context: dict[str, Any]) -> None:
        refusal(self.environment, context)
        # Questions' validators and defaults tell a new project from an updated one by it.
        if "_copier_operation" not in context and _copier_operation is not None:
            context["_copier_operation"] = _copier_operation.get(None)
        recorded = context.get("_copier_answers")
        if isinstance(recorded, dict) and isinstance(recorded.get("_src_path"), str):
            recorded["_src_path"] = updatable_source(recorded["_src_path"], Path.cwd())
        # Questions are rendered while answers are still arriving, some not yet validated:
        # derive once all are in and well-formed; each question's validator reports the rest.
        if context.keys() >= REQUIRED_ANSWERS:
            try:
                derived = derive(context)
            except (ValueError, KeyError):
                return
            context.update(derived)
            # Printed by the message after an update, which copier renders once the update is done.
            context["update_report"] = UpdateReport(
                Path(str(context["_copier_conf"]["dst_path"])), derived["lock_command"]
            )
