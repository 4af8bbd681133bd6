"""What the three benchmarks share: commands, wrk, the machine they ran on, Markdown tables."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tooling import engine


@dataclass(kw_only=True)
class Measured:
    """What measuring one subject leaves: its figures, or why it stopped."""

    results: dict = field(default_factory=dict)
    failure: str = ""


def sh(
    *command: str, cwd: Path | None = None, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run a command, its output captured; env adds variables to this process's own."""
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=1800
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return sh(engine.docker_cli(), *args, check=check)


def wrk(port: int, path: str, seconds: int, connections: int, script: Path | None = None) -> tuple[float, int]:
    """Requests per second, and responses that were not 2xx or 3xx (socket errors included)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    if script:
        command += ["-s", str(script)]
    out = sh(*command, f"http://127.0.0.1:{port}{path}").stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return rate, (int(bad.group(1)) if bad else 0) + (sum(map(int, errors.groups())) if errors else 0)


def host() -> dict[str, str]:
    """The facts about this machine every report gives."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table's lines; an empty cell is one space wide."""
    return [line(header), "|" + "---|" * len(header), *map(line, rows)]


def line(cells: list[str]) -> str:
    return "|" + "".join(f" {cell} |" if cell else " |" for cell in cells)
