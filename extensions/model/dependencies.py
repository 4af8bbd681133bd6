"""What a project installs, per kind and Python floor, and the commands and files that lock it."""

from __future__ import annotations

import re

from .commands import ALL_KINDS
from .images import uv_build_range

# The oldest Python a new project may choose: the carried locks resolve for it and every later one.
LOCK_PYTHON_FLOOR = "3.11"


def python_floor(python_version: str) -> str:
    """requires-python's floor: the locks' floor, or an older Python a project kept through updates."""
    return min(python_version, LOCK_PYTHON_FLOOR, key=lambda version: tuple(map(int, version.split("."))))


def runtime_dependencies(app_kind: str) -> list[str]:
    """Runtime requirements per kind; the job uses the standard library only."""
    # SQLAlchemy pools the psycopg connections and Alembic migrates the schema; pydantic-settings reads the
    # environment and its *_FILE secrets.
    web_common = ["psycopg[binary]>=3.2", "alembic>=1.16", "sqlalchemy>=2.0", "pydantic-settings>=2.6"]
    return {
        "fastapi": [
            "fastapi>=0.115",
            "uvicorn>=0.32",
            "uvloop>=0.21 ; sys_platform != 'win32'",
            "httptools>=0.6",
            *web_common,
        ],
        # 25.1 is the first gunicorn whose control socket can be switched off; its gevent extra, the worker class.
        "flask": ["flask>=3.1", "gunicorn[gevent]>=25.1", *web_common],
        "cli": ["click>=8.1", "ijson>=3.3"],
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
    "gunicorn": ("gunicorn", "packaging", "gevent", "greenlet", "zope"),
    "pydantic": ("pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection"),
    "pydantic_settings": ("pydantic_settings", "pydantic", "dotenv", "typing_inspection"),
    "click": ("click", "colorama"),
    "ijson": ("ijson",),
    "pytest": ("pytest", "_pytest", "pluggy", "iniconfig", "pygments", "exceptiongroup", "tomli", "packaging"),
    "ruff": ("ruff",),
    "httpx2": ("httpx2", "httpcore2", "h11", "idna", "anyio", "truststore"),
    "httpx": ("httpx", "httpcore", "h11", "certifi", "idna", "sniffio", "anyio"),
    "uv_build": ("uv_build",),
}


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a requirement string: `psycopg[binary]>=3.2` gives psycopg."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "_", match.group()).lower()


def dependency_import_names() -> frozenset[str]:
    """Every module a project of any kind imports from its dependencies; kinds can change on update."""
    requirements = build_dependencies()
    for kind in ALL_KINDS:
        requirements += runtime_dependencies(kind) + dev_dependencies(kind) + dev_dependencies(kind, "3.10")
    names = {requirement_name(requirement) for requirement in requirements}
    return frozenset(module for name in names for module in IMPORT_NAMES[name])


def build_dependencies() -> list[str]:
    """The build backend, locked like everything else (pip projects' requirements-build.txt): pip builds
    the project with this copy instead of fetching one, unhashed, into an isolated environment."""
    return [f"uv_build{uv_build_range()}"]


# Each pip lock and what uv pip compile resolves for it: the runtime from pyproject.toml, development
# on top of it (the dev group includes the build group), the build backend alone.
PIP_LOCK_FILES = {
    "requirements.txt": ["pyproject.toml"],
    "requirements-dev.txt": ["pyproject.toml", "--group", "dev"],
    "requirements-build.txt": ["--group", "build"],
}


def lock_files(package_manager: str) -> list[str]:
    return ["uv.lock"] if package_manager == "uv" else list(PIP_LOCK_FILES)


def lock_commands(package_manager: str, floor: str = LOCK_PYTHON_FLOOR) -> list[list[str]]:
    """The commands that regenerate a project's lock; the README prints them, the suite runs them."""
    if package_manager == "uv":
        return [["uv", "lock"]]
    return [
        [
            "uv",
            "pip",
            "compile",
            *sources,
            "--universal",
            "--generate-hashes",
            "--python-version",
            floor,
            "--quiet",
            "-o",
            output,
        ]
        for output, sources in PIP_LOCK_FILES.items()
    ]


def lock_command_line(package_manager: str, floor: str = LOCK_PYTHON_FLOOR) -> str:
    return " && ".join(" ".join(command) for command in lock_commands(package_manager, floor))
