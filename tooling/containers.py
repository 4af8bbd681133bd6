"""Watching a running container from outside: its ports, HTTP answers, health, signals and uid."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from docker.models.containers import Container


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
    result = container.exec_run(["cat", "/proc/1/status"])
    status = result.output.decode(errors="replace")
    uid = next((line.split()[1] for line in status.splitlines() if line.startswith("Uid:")), None)
    if result.exit_code != 0 or uid is None:
        container.reload()
        state = container.attrs["State"]
        logs = container.logs().decode(errors="replace")[-3000:]
        raise AssertionError(
            f"cannot read PID 1's uid (container {state['Status']}, exit {state['ExitCode']}): {status.strip()}\n{logs}"
        )
    return int(uid)


def handles_sigterm(container: Container) -> bool:
    """PID 1 has a SIGTERM handler installed (the kernel ignores the signal for a PID 1 without one)."""
    result = container.exec_run(["cat", "/proc/1/status"])
    if result.exit_code != 0:
        return False
    caught = next(line for line in result.output.decode().splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (15 - 1)))
