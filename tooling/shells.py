"""The shell a user follows our words in: their PATH and tools, not the suite's virtual environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tooling.engine import docker_cli


def tool_path(directory: Path) -> Path:
    """A PATH directory with what a user's shell (or GitHub's runner) has: a BuildKit docker CLI, uv, pipx,
    and the `pythonX.Y` the README names (this machine's interpreters sit behind pyenv shims)."""
    directory.mkdir(parents=True, exist_ok=True)
    suite_bin = Path(sys.executable).parent
    links = {
        "docker": docker_cli(),
        "pipx": shutil.which("pipx") or str(suite_bin / "pipx"),
        # The task runner a README's `just` lines need, as a user installs it (PyPI's rust-just ships the binary).
        "just": shutil.which("just") or str(suite_bin / "just"),
    }
    # uv as the README's prerequisites install it, one binary on PATH. A pyenv shim would answer only
    # inside the interpreter it was installed for, not in a project whose .python-version names another.
    for name in ("uv", "uvx"):
        links[name] = str(suite_bin / name) if (suite_bin / name).exists() else shutil.which(name) or name
    for interpreter in sorted(Path.home().glob(".pyenv/versions/3.*/bin/python3.*")):
        if re.fullmatch(r"python3\.\d+", interpreter.name):
            links.setdefault(interpreter.name, str(interpreter))
    for name, target in links.items():
        link = directory / name
        if not link.exists():
            link.symlink_to(target)
    return directory


def user_environment(tools: Path) -> dict[str, str]:
    """A user's environment: no suite virtual environment, BuildKit on, a git identity."""
    suite_bin = str(Path(sys.executable).parent)
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry != suite_bin]
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER"}
        and not key.startswith(("PYTEST_", "COV_"))
    }
    env.update(
        PATH=os.pathsep.join([str(tools), *path]),
        DOCKER_BUILDKIT="1",
        GIT_AUTHOR_NAME="Journey",
        GIT_AUTHOR_EMAIL="journey@example.com",
        GIT_COMMITTER_NAME="Journey",
        GIT_COMMITTER_EMAIL="journey@example.com",
    )
    return env


class Spawned(subprocess.Popen):
    """A long-running command (a server, `compose up --watch`) in a session of its own, so that one
    signal to its process group stops it and what it started. Its output goes to a file, never a
    pipe: a pipe nobody reads fills at 64 KiB, and the program then blocks on its next log line."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as this object, which reads it
        super().__init__(
            command,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        """What it has printed so far (pread leaves the offset the command writes at alone)."""
        fd = self.log.fileno()
        return os.pread(fd, os.fstat(fd).st_size, 0).decode(errors="replace")

    def finish(self, timeout: float | None = None) -> str:
        """Wait for it to exit (TimeoutExpired past timeout); its whole output."""
        self.wait(timeout=timeout)
        return self.output()


def spawn(command: list[str], cwd: Path, env: dict[str, str]) -> Spawned:
    return Spawned(command, cwd, env)
