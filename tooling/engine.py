"""A real Docker engine: builds through the BuildKit CLI (one wrapper for the whole suite), images and
containers through the SDK."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

HOST_CA_BUNDLE = Path(os.environ.get("HOST_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt"))
LABEL = "org.copier-pycontainer.test"


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
    dockerfile: str | Path | None = None,
    label: str = LABEL,
) -> Build:
    """Build a target (None: the last stage) with BuildKit, labelled (`label=true`) for clean-up; the
    Dockerfile is the context's own unless named (relative to the context, or absolute); a failure
    carries the engine's own output."""
    command = [docker_cli(), "build", "--progress=plain", "--tag", tag, "--label", f"{label}=true"]
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
        raise BuildFailed(f"docker build of {tag} (target {target}) failed ({result.returncode}):\n{tail}")
    return Build(tag, seconds, result.stderr)


def secret_with_marker(directory: Path) -> tuple[Path, str]:
    """The host CA bundle plus a unique comment line, to look for in the built image."""
    marker = f"build-secret-marker-{uuid.uuid4().hex}"
    path = directory / "ca-bundle.pem"
    path.write_text(HOST_CA_BUNDLE.read_text() + f"\n# {marker}\n")
    return path, marker


def image_mb(client: docker.DockerClient, tag: str) -> float:
    return round(client.images.get(tag).attrs["Size"] / 1e6, 1)


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
        find / -xdev -type f -perm /6000 2>/dev/null | sed 's/^/setuid or setgid: /'
        for python in /usr/local/bin/python /opt/venv/bin/python; do
            "$python" -m pip --version >/dev/null 2>&1 && echo "pip: $python"
        done
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
