"""A generated project as the tests hold it: rendering through copier's command line, git, the
commands its README gives, its own tests, its compose configuration."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from copier import run_copy

from tooling import REPO
from tooling.tools import compose

TEMPLATE_PATHS = ["copier.yml", "template", "extensions", "includes"]


HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class Rendered:
    path: Path
    answers: dict[str, Any] = field(default_factory=dict)

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    def files(self) -> set[str]:
        return {str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file() and ".git" not in p.parts}


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, text=True, capture_output=True).stdout


def copy_template(destination: Path, data: dict[str, Any], template: Path | str = REPO, vcs_ref: str = "HEAD") -> Path:
    """A project rendered through copier's Python API from `template` at `vcs_ref`, unasked questions at their
    defaults."""
    run_copy(str(template), destination, data=data, defaults=True, unsafe=True, quiet=True, vcs_ref=vcs_ref)
    return destination


def copier_cli(*args: str, offline: bool = False, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run the copier command line; offline runs it in an empty network namespace (skips if none can be made)."""
    prefix: list[str] = []
    if offline:
        if subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode != 0:
            pytest.skip("unshare --net is not permitted here, so no network-free namespace can be made")
        prefix = ["unshare", "--net"]
    command = [*prefix, sys.executable, "-m", "copier", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def readme_commands(project: Rendered, heading: str) -> list[str]:
    """The shell lines of the first code block under a README heading."""
    section = project.read("README.md").split(f"## {heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"README has no command block under '{heading}'"
    return [line for line in block.group(1).splitlines() if line.strip()]


def run(project: Rendered, command: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """A shell command line in the project's directory, as a user types it."""
    return subprocess.run(
        command, shell=True, cwd=project.path, env=env, capture_output=True, text=True, timeout=timeout
    )


def compose_config(project: Rendered, name: str) -> dict:
    result = compose("-f", name, "config", "--format", "json", cwd=project.path)
    assert result.returncode == 0, result.stderr
    assert "must" not in result.stderr, result.stderr  # compose warns, then goes on, on malformed healthchecks
    return json.loads(result.stdout)


def commit_all(project: Path, message: str) -> None:
    if not (project / ".git").exists():
        git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "--allow-empty", "-m", message)


def recorded_answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def run_own_tests(project: Path, package_manager: str, python: str = sys.executable) -> None:
    if package_manager == "uv":
        commands = [["uv", "sync", "--locked"], ["uv", "run", "pytest", "-q"]]
    else:
        commands = [
            [python, "-m", "venv", ".venv"],
            [".venv/bin/pip", "install", "-q", "--require-hashes", "-r", "requirements-dev.txt"],
            [".venv/bin/pip", "install", "-q", "--no-deps", "--no-build-isolation", "--editable", "."],
            [".venv/bin/pytest", "-q"],
        ]
    # The interpreter running the suite stands in for the one .python-version names, as for the pip branch.
    # .venv/bin on PATH: pip's build, without isolation, runs the locked backend's uv-build from there.
    env = {**os.environ, "UV_PYTHON": python, "PATH": f"{project / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600, env=env)
        assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
