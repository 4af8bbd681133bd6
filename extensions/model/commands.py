"""The kinds of project, and the commands each runs: in the image, in development, from the README."""

from __future__ import annotations

import json

WEB_KINDS = ("fastapi", "flask")
ALL_KINDS = (*WEB_KINDS, "cli", "job")
# The framework and the HTTP server of each web kind, as the README names them.
WEB_FRAMEWORKS = {"fastapi": "FastAPI", "flask": "Flask"}
WEB_SERVERS = {"fastapi": "uvicorn", "flask": "gunicorn"}
# Exit status a process reports when SIGTERM ended it (128 + 15).
SIGTERM_EXIT = 143


def json_array(items: list[str]) -> str:
    """An exec-form instruction argument: a JSON array, as Docker and Compose read it."""
    return json.dumps(items)


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
        # Options reach the program, as for the CLI: `docker run IMAGE --dry-run`.
        "job": {"entrypoint": [console_script(project_slug)], "cmd": []},
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


def setup_steps(package_manager: str, python_version: str) -> list[str]:
    """The commands that install the locked environment on the host, one line each."""
    if package_manager == "uv":
        return ["uv sync --locked"]
    prefix = run_prefix(package_manager)
    return [
        f"python{python_version} -m venv .venv",
        f"{prefix}pip install --require-hashes -r requirements-dev.txt",
        # The locked uv_build (requirements-dev.txt) builds it; pip finds its uv-build command on PATH.
        f'PATH="$PWD/.venv/bin:$PATH" {prefix}pip install --no-deps --no-build-isolation --editable .',
    ]


def setup_command(package_manager: str, python_version: str) -> str:
    return " && ".join(setup_steps(package_manager, python_version))


def tests_command(package_manager: str) -> str:
    """pytest, run in the project's environment."""
    return f"{run_prefix(package_manager)}pytest"


def lint_command(package_manager: str) -> str:
    prefix = run_prefix(package_manager)
    return f"{prefix}ruff check . && {prefix}ruff format --check ."


def format_command(package_manager: str) -> str:
    prefix = run_prefix(package_manager)
    return f"{prefix}ruff format . && {prefix}ruff check --fix ."


def local_serve_command(app_kind: str, package_manager: str, package_name: str) -> str:
    """The README's local server command; it serves until Ctrl-C."""
    return f"{run_prefix(package_manager)}python -m {package_name}" if app_kind in WEB_KINDS else ""


def image_serve_command(app_kind: str, image_name: str, port: int) -> str:
    """The README's `docker run` of a web image; it serves until Ctrl-C."""
    if app_kind not in WEB_KINDS:
        return ""
    return f"docker run --rm --env-file .env -p 127.0.0.1:{port}:{port} {image_name}"


def compose_watch_command(app_kind: str) -> str:
    """The README's development stack for a server: it syncs edits in until Ctrl-C; run-once kinds have none."""
    return "docker compose up --build --watch" if app_kind in WEB_KINDS else ""


def compose_prod_header(app_kind: str, uses_postgres: bool) -> str:
    """The first line of compose.prod.yaml: the command that runs this kind's production stack, and what it needs."""
    if app_kind in WEB_KINDS:
        secret = "; see README for the secret file" if uses_postgres else ""
        return f"Production stack: `docker compose -f compose.prod.yaml up --build --wait`{secret}."
    run = 'docker compose -f compose.prod.yaml run --rm --build --user "$(id -u):$(id -g)" app'
    if app_kind == "cli":
        return f"Production runs, one per call: `{run} summarise FILE`, for a FILE in ./data."
    return f"Production run, once per schedule: `{run}`, on ./data, which holds .prune-target."


def migrate_command(app_kind: str, package_name: str) -> list[str]:
    """The one-shot command that brings the database schema to the latest migration."""
    return ["python", "-m", package_name, "migrate"] if app_kind in WEB_KINDS else []


def health_probe(app_kind: str, package_name: str) -> list[str]:
    """The HEALTHCHECK command: Python's own HTTP client, so the image needs no curl."""
    return ["python", "-m", f"{package_name}.healthcheck"] if app_kind in WEB_KINDS else []
