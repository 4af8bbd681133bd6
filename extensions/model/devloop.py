"""The development loop: compose watch, the dev container, the justfile and the pre-commit hooks."""

from __future__ import annotations

from typing import Any

from .commands import (
    WEB_KINDS,
    compose_watch_command,
    console_script,
    format_command,
    lint_command,
    local_serve_command,
    run_prefix,
    setup_command,
    tests_command,
)
from .dependencies import lock_command_line, lock_files, python_floor
from .updates import CONFLICTS_COMMAND
from .versions import PRE_COMMIT_VERSION

# Where the dev stage's source lives, and what a dev container's editor and hooks treat as the project.
DEV_SOURCE_DIRS = ("src", "tests")


def dev_watch(app_kind: str, package_manager: str) -> list[dict[str, str]]:
    """compose.yaml's develop.watch: source is copied into the running server (it reloads), dependencies rebuild."""
    if app_kind not in WEB_KINDS:
        return []
    sync = [{"action": "sync", "path": f"./{name}", "target": f"/app/{name}"} for name in DEV_SOURCE_DIRS]
    rebuild = [{"action": "rebuild", "path": f"./{name}"} for name in ["pyproject.toml", *lock_files(package_manager)]]
    return sync + rebuild


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
        {
            "name": "test",
            "doc": "Run the tests",
            "params": " *args",
            "command": f"{tests_command(manager)} {{{{ args }}}}",
        },
        {"name": "lint", "doc": "Check lint and formatting", "command": lint_command(manager)},
        {"name": "format", "doc": "Format and fix what ruff can", "command": format_command(manager)},
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
        {"name": "conflicts", "doc": "List what a template update left to resolve", "command": CONFLICTS_COMMAND},
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
