"""Timing one subject: builds, size, first answer, stop, throughput, rebuilds; and the machine's facts."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import time
import urllib.request
from pathlib import Path

from bench.common import docker, host, sh, wrk
from bench.prepare import BASE, LOCKS_ENV, PYTHON_VERSION, Config, Subject
from extensions import context
from tooling import containers, engine

ADDED_DEPENDENCY = "six>=1.16"


def build(subject: Subject, work: Path) -> tuple[float, list[str]]:
    """Seconds, and the build steps that ran rather than came from the cache."""
    secret_file = work / "ca-bundle.pem"
    if not secret_file.exists():
        shutil.copy(engine.HOST_CA_BUNDLE, secret_file)
    built = engine.build(
        subject.context_dir, subject.image, target=None, secret_file=secret_file, dockerfile=subject.dockerfile
    )
    return round(built.seconds, 2), built.steps_ran


def size_breakdown(subject: Subject) -> dict[str, float]:
    """Size over the base image, split into dependencies, app code, bytecode and the rest ("waste")."""
    base = json.loads(docker("image", "inspect", BASE).stdout)[0]["Size"]
    total = json.loads(docker("image", "inspect", subject.image).stdout)[0]["Size"]
    script = """
        for dir in "$@"; do
            size=$(du -sb "$dir" 2>/dev/null | cut -f1)
            pyc=$(find "$dir" -name '*.pyc' -type f -printf '%s\\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
            echo "${size:-0} $pyc"
        done
    """
    paths = [subject.venv_path, subject.app_path]
    rows = docker(
        "run", "--rm", "--user", "0", "--entrypoint", "sh", subject.image, "-c", script, "sh", *paths
    ).stdout.split("\n")
    (venv, venv_pyc), (app, app_pyc) = (tuple(map(int, row.split())) for row in rows[:2])
    if subject.name == "tutorial-minimal":  # the base's own site-packages are not the app's
        base_row = docker("run", "--rm", "--entrypoint", "sh", BASE, "-c", script, "sh", subject.venv_path).stdout
        base_size, base_pyc = map(int, base_row.split())
        venv, venv_pyc = venv - base_size, venv_pyc - base_pyc
    # One directory may hold the other: the app inside the venv, or the venv inside /app.
    if subject.app_path.startswith(subject.venv_path + "/"):
        venv, venv_pyc = venv - app, venv_pyc - app_pyc
    elif subject.venv_path.startswith(subject.app_path + "/"):
        app, app_pyc = app - venv, app_pyc - venv_pyc
    over = total - base
    mb = 1e6
    return {
        "over_base": round(over / mb, 1),
        "venv": round((venv - venv_pyc) / mb, 1),
        "app": round((app - app_pyc) / mb, 3),
        "bytecode": round((venv_pyc + app_pyc) / mb, 1),
        "waste": round(max(over - venv - app, 0) / mb, 1),  # du and layer sizes differ by a fraction of a percent
    }


def first_answer(subject: Subject) -> tuple[float, float, str]:
    """Seconds from `docker run` to the first 200 from /health (or to exit), then `docker stop` seconds."""
    started = time.monotonic()
    if not subject.web:
        docker("run", "--rm", subject.image, check=False)
        return round(time.monotonic() - started, 3), 0.0, ""
    container = docker("run", "-d", "-p", "127.0.0.1::8000", subject.image).stdout.strip()
    try:
        published = docker("port", container, "8000/tcp", check=False)
        if published.returncode != 0:  # exited before its port was even published
            logs = docker("logs", container, check=False)
            return 0, 0, "exited at once: " + (logs.stdout + logs.stderr).strip()[-600:]
        port = int(published.stdout.split(":")[-1])
        deadline = started + 60
        while not answers(port):
            state = json.loads(docker("inspect", container).stdout)[0]["State"]
            if not state["Running"]:
                logs = docker("logs", container, check=False)
                return 0, 0, f"exited ({state['ExitCode']}): " + (logs.stdout + logs.stderr).strip()[-600:]
            if time.monotonic() >= deadline:
                return 0, 0, "no answer on /health within 60 s"
            time.sleep(0.02)
        answered = round(time.monotonic() - started, 3)
        stop_started = time.monotonic()
        docker("stop", container)
        return answered, round(time.monotonic() - stop_started, 3), ""
    finally:
        docker("rm", "-f", container, check=False)


def answers(port: int) -> bool:
    """Whether /health answers 200 now."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def stop_of_non_web(subject: Subject, work: Path) -> float:
    command = {"cli": ["summarise", "/dev/stdin", "--type", "csv"], "job": []}[subject.kind]
    extra = ["-i"] if subject.kind == "cli" else ["-e", "JOB_THROTTLE_SECONDS=5", "-v", f"{work / 'old'}:/data"]
    if subject.kind == "job":
        (work / "old").mkdir(exist_ok=True)
        for index in range(5):
            path = work / "old" / f"f{index}"
            path.write_text("x")
            os.utime(path, (0, 0))
        os.chown(work / "old", 10001, 10001)
    container = docker("run", "-d", *extra, subject.image, *command).stdout.strip()
    try:
        running = engine.engine().containers.get(container)
        containers.wait_for(lambda: containers.handles_sigterm(running), 30, what="a SIGTERM handler")
        started = time.monotonic()
        docker("stop", container)
        return round(time.monotonic() - started, 3)
    finally:
        docker("rm", "-f", container, check=False)


def throughput(subject: Subject, seconds: int, connections: int) -> float:
    container = docker("run", "-d", "-p", "127.0.0.1::8000", subject.image).stdout.strip()
    try:
        port = int(docker("port", container, "8000/tcp").stdout.split(":")[-1])
        containers.wait_for(lambda: answers(port), 60, what="/health")
        return wrk(port, "/health", seconds, connections)[0]
    finally:
        docker("rm", "-f", container, check=False)


def edit_source(subject: Subject, number: int) -> None:
    with subject.source_file.open("a") as source:
        source.write(f"# benchmark edit {number}\n")


def add_dependency(subject: Subject) -> None:
    project = subject.context_dir / "pyproject.toml"
    text = project.read_text()
    project.write_text(text.replace("dependencies = [\n", f'dependencies = [\n    "{ADDED_DEPENDENCY}",\n', 1))
    if subject.name == "tutorial-minimal":  # one requirements file, for the image's own Python only
        compile_for_the_image = ["uv", "pip", "compile", "pyproject.toml", "--generate-hashes", "--quiet"]
        commands = [[*compile_for_the_image, "--python-version", PYTHON_VERSION, "-o", "requirements.txt"]]
    elif subject.package_manager == "pip":
        commands = context.lock_commands("pip")
    else:
        commands = [["uv", "lock", "--quiet"]]
    for command in commands:
        sh(*command, cwd=subject.context_dir, env=LOCKS_ENV)


def measure(subject: Subject, config: Config) -> None:
    """Fills subject.results, or subject.failure at the first step that fails."""
    results = subject.results
    if config.cold:
        docker("builder", "prune", "--all", "--force")
    try:
        results["cold_build"], _ = build(subject, config.work)
    except engine.BuildFailed as error:
        subject.failure = str(error)
        return
    results["size"] = size_breakdown(subject)
    answered, stops = [], []
    for _ in range(config.repeat):
        seconds, stopped, failure = first_answer(subject)
        if failure:
            subject.failure = f"does not start: {failure}"
            return
        answered.append(seconds)
        stops.append(stopped)
    results["first_answer"] = statistics.median(answered)
    if not subject.web:
        stops = [stop_of_non_web(subject, config.work) for _ in range(config.repeat)]
    results["stop"] = statistics.median(stops)
    if subject.web and config.wrk_seconds:
        rates = [throughput(subject, config.wrk_seconds, config.connections) for _ in range(config.repeat)]
        results["rps"] = statistics.median(rates)
    rebuilds, ran = [], []
    for number in range(config.repeat):
        edit_source(subject, number)
        seconds, ran = build(subject, config.work)
        rebuilds.append(seconds)
    results["source_rebuild"] = statistics.median(rebuilds)
    results["source_rebuild_ran"] = ran
    add_dependency(subject)
    results["dependency_rebuild"], _ = build(subject, config.work)


def machine() -> dict[str, str]:
    """The facts RESULTS.md opens with."""
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    versions = json.loads(docker("version", "--format", "{{json .}}").stdout)
    wrk_version = sh("wrk", "--version", check=False)
    basics = host()
    return {
        "date": basics["date"],
        "cores": basics["cores"],
        "memory": f"{int(memory) / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "engine": f"Docker Engine {versions['Server']['Version']}, BuildKit via CLI {versions['Client']['Version']}",
        "uv": sh("uv", "--version").stdout.strip(),
        "wrk": (wrk_version.stdout + wrk_version.stderr).splitlines()[0]
        if wrk_version.returncode in (0, 1)
        else "absent",
        "base": f"{BASE} ({json.loads(docker('image', 'inspect', BASE).stdout)[0]['Id'][:19]})",
    }
