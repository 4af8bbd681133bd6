"""Benchmark the run-once kinds: the CLI on big CSV files, and `docker stop` of the job on a big tree.

    uv run python -m bench.run_once                          # 10 MB, 100 MB, 1 GB and 1,000,000 files
    uv run python -m bench.run_once --sizes 10 100 --job-files 0 --output /tmp/r.md   # CLI only

The CLI runs from a freshly generated project on the interpreter running this module; each file is
also read by the standard library's csv.reader alone, the floor any CSV summary pays. Peak memory
is the child's own ru_maxrss, measured through a small trampoline process (Linux charges a forked
child the memory of its parent). Data files live in a temporary directory and are never kept.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import host, table
from tooling import REPO, containers, engine
from tooling.project import copy_template

PACKAGE = "bench_app"
OUTPUT = REPO / "bench" / "RESULTS-run-once.md"
MEASURE_CHILD = (
    "import os, subprocess, sys, time; started = time.monotonic(); "
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "_, status, usage = os.wait4(child.pid, 0); "
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, time.monotonic() - started)"
)
CSV_READ_ONLY = (
    "import csv, sys; handle = open(sys.argv[1], newline='', encoding='utf-8'); "
    "print(sum(1 for _ in csv.reader(handle)))"
)


@dataclass
class Run:
    seconds: float
    peak_mib: float


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_CHILD, *command], capture_output=True, text=True, env=env, check=False
    )
    code, peak_kib, seconds = result.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{command} exited {code}: {result.stderr[-2000:]}")
    return Run(float(seconds), int(peak_kib) / 1024)


def write_csv(path: Path, megabytes: int) -> None:
    """Mixed columns, as a real export has them: integers, floats, text, a sometimes-empty field."""
    rows = (
        f"{index},customer-{index % 9973},{index * 0.37:.2f},{'' if index % 11 == 0 else 'FR'},2024-01-{index % 28 + 1}"
        for index in range(20_000)
    )
    block = "".join(row + "\n" for row in rows).encode()
    target = megabytes * 1_000_000
    with path.open("wb") as handle:
        handle.write(b"id,name,amount,country,date\n")
        written = 0
        while written < target:
            handle.write(block)
            written += len(block)


def bench_cli(work: Path, sizes: list[int]) -> list[dict[str, str]]:
    project = copy_template(work / "cli", {"project_name": "Bench App", "app_kind": "cli", "package_manager": "uv"})
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    rows = []
    for megabytes in sizes:
        data = work / f"data-{megabytes}mb.csv"
        write_csv(data, megabytes)
        size_mb = data.stat().st_size / 1_000_000
        floor = measure([sys.executable, "-c", CSV_READ_ONLY, str(data)], env)
        summary = measure([sys.executable, "-m", PACKAGE, "summarise", str(data)], env)
        data.unlink()
        rows.append(
            {
                "file": f"{size_mb:,.0f} MB CSV",
                "summarise MB/s": f"{size_mb / summary.seconds:.1f}",
                "csv.reader MB/s": f"{size_mb / floor.seconds:.1f}",
                "time ratio": f"{summary.seconds / floor.seconds:.1f}x",
                "summarise peak MiB": f"{summary.peak_mib:.1f}",
                "csv.reader peak MiB": f"{floor.peak_mib:.1f}",
            }
        )
        print(rows[-1], flush=True)
    return rows


def make_tree(root: Path, files: int, per_directory: int = 1000) -> None:
    for start in range(0, files, per_directory):
        directory = root / f"d{start // per_directory:05d}"
        directory.mkdir()
        for index in range(min(per_directory, files - start)):
            os.close(os.open(directory / f"f{index}", os.O_CREAT | os.O_WRONLY, 0o644))


def bench_job_stop(work: Path, files: int, run_seconds: float) -> list[dict[str, str]]:
    project = copy_template(work / "job", {"project_name": "Bench App", "app_kind": "job", "package_manager": "uv"})
    image = "copier-pycontainer-bench/run-once-job"
    engine.build(project, image)
    # tmpfs keeps a million inodes quick to create and to drop; the walk is the same on any file system.
    tree = Path(tempfile.mkdtemp(prefix="run-once-tree-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    try:
        started = time.monotonic()
        make_tree(tree, files)
        print(f"made {files:,} files in {time.monotonic() - started:.1f} s", flush=True)
        os.chown(tree, 10001, 10001)
        for directory in tree.iterdir():
            os.chown(directory, 10001, 10001)
        client = engine.engine()
        options = {"environment": {"PRUNE_MAX_AGE_DAYS": "0"}, "volumes": {str(tree): {"bind": "/data", "mode": "rw"}}}
        with engine.running(client, image, **options) as job:
            containers.wait_for(lambda: b'"deleted"' in job.logs(tail=5), 60, what="the first deletion", container=job)
            time.sleep(run_seconds)
            stop = containers.stop_seconds(job)
            job.reload()
            code = job.attrs["State"]["ExitCode"]
            remaining = sum(len(os.listdir(directory)) for directory in tree.iterdir())
    finally:
        subprocess.run(["rm", "-rf", str(tree)], check=False)
    return [
        {
            "tree": f"{files:,} files",
            "running for": f"{run_seconds:g} s",
            "docker stop seconds": f"{stop:.2f}",
            "exit code": str(code),
            "files left": f"{remaining:,}",
        }
    ]


def table_of(rows: list[dict[str, str]]) -> list[str]:
    """A table with the rows' keys for a header; none for no rows."""
    return table(list(rows[0]), [list(row.values()) for row in rows]) if rows else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", type=int, default=[10, 100, 1000], help="CSV sizes in MB")
    parser.add_argument("--job-files", type=int, default=1_000_000, help="files in the job's tree; 0 skips it")
    parser.add_argument("--job-run-seconds", type=float, default=2.0, help="how long the job runs before the stop")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-run-once-") as work:
        cli_rows = bench_cli(Path(work), args.sizes) if args.sizes else []
        job_rows = bench_job_stop(Path(work), args.job_files, args.job_run_seconds) if args.job_files else []
    facts = host()
    lines = [
        "# Run-once kinds: CLI throughput and memory, job stop time",
        "",
        f"Measured {facts['date']} on {facts['machine']}, {facts['cores']} CPUs, Python {facts['python']}, "
        "by `python -m bench.run_once`.",
        "",
        "## CLI: `summarise` against csv.reader merely reading the same file",
        "",
        *table_of(cli_rows),
        "",
        "## Job: `docker stop` during a run",
        "",
        *(table_of(job_rows) or ["Not measured in this run (`--job-files 0`)."]),
        "",
    ]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
