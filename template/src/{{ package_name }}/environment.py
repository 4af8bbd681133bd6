"""Reading configuration from the environment, with Docker-style `*_FILE` secrets.

An empty value means unset everywhere, as in a `.env` line `NAME=` copied from `.env.example`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path


class ConfigurationError(ValueError):
    """A setting is missing or malformed."""


def read(name: str, default: str | None = None, environ: Mapping[str, str] = os.environ) -> str | None:
    """NAME's value, or the content of the file NAME_FILE points to (a mounted secret)."""
    file_path = environ.get(f"{name}_FILE")
    if file_path:
        if environ.get(name):
            raise ConfigurationError(f"set {name} or {name}_FILE, not both")
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE={file_path} cannot be read: {exc.strerror}") from exc
    return environ.get(name) or default


def drop_empty_variables(environ: MutableMapping[str, str] = os.environ) -> None:
    """Remove empty variables: servers such as gunicorn and uvicorn read some (WEB_CONCURRENCY) themselves."""
    for name in [name for name, value in environ.items() if value == ""]:
        del environ[name]


def read_number(name: str, default: float, environ: Mapping[str, str] = os.environ) -> float:
    raw = read(name, None, environ)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number: got {raw!r}") from None
    # float() accepts nan and inf, which pass every range check and then misbehave.
    if not math.isfinite(number):
        raise ConfigurationError(f"{name} must be a finite number: got {raw!r}")
    return number


def read_int(
    name: str, default: int, environ: Mapping[str, str] = os.environ, minimum: int = 1, maximum: int | None = None
) -> int:
    """A whole number within bounds: `WEB_CONCURRENCY=1.5` or `PORT=0` is refused, never rounded or ignored."""
    raw = read(name, None, environ)
    if raw is None or raw == "":
        return default
    try:
        number = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number: got {raw!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise ConfigurationError(f"{name} must be {bounds}: got {number}")
    return number


def read_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = read(name, None, environ)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false: got {raw!r}")


def available_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process may use: the container's CPU quota, capped by its cpuset, never the host's count."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroup_root)
    return max(1, min(cpus, math.ceil(quota))) if quota else cpus


def cpu_quota(cgroup_root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs granted by the cgroup's quota (`docker run --cpus`, a Kubernetes limit), or None when unlimited."""
    try:
        limit, period = (cgroup_root / "cpu.max").read_text().split()
        return None if limit == "max" else int(limit) / int(period)
    except (OSError, ValueError):
        pass  # no cgroup v2 controller here: try v1
    for controller in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        try:
            limit = int((cgroup_root / controller / "cpu.cfs_quota_us").read_text())
            period = int((cgroup_root / controller / "cpu.cfs_period_us").read_text())
        except (OSError, ValueError):
            continue
        return limit / period if limit > 0 and period > 0 else None
    return None
