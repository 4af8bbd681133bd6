"""Benchmark the generated images against the tutorial's Dockerfiles, side by side in one run.

    uv run python -m bench                 # the full run: writes bench/RESULTS.md
    uv run python -m bench --quick --only generated-uv --output /tmp/r.md   # a tiny smoke run
    uv run python -m bench --ci            # first times the suite's CI twice (bench/ci.py): about an hour

Every Dockerfile builds the same small FastAPI app on the same base image (python:3.13-slim);
the generated flask, cli and job images are then measured alone. Each timing is the median of
--repeat runs. Needs a Docker engine with BuildKit, network for package indexes, and wrk.
The run's record goes beside the report (RESULTS.json); `python -m bench.report` writes the report
again from it, with the explanations of misses in bench/NOTES.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from bench import ci, report
from bench.common import docker
from bench.measure import machine, measure
from bench.prepare import DEFAULT_WORK, Config, prepare
from tooling import REPO


def parse(argv: list[str] | None) -> tuple[Config, Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=Config.repeat, help="runs per timing; the median is reported")
    parser.add_argument("--wrk-seconds", type=int, default=Config.wrk_seconds)
    parser.add_argument("--connections", type=int, default=Config.connections)
    parser.add_argument("--only", nargs="*", default=list(Config.only))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one run each, a 1 s load, and no build-cache prune (a smoke run, not a measurement)",
    )
    parser.add_argument(
        "--ci",
        action="store_true",
        help="first time `.ci/run` on fresh clones: with the base images present, then as on a new machine",
    )
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="scratch directory for the rendered projects")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        parser.error("wrk is needed for the load test: apt-get install wrk")
    config = Config(
        work=args.work,
        only=tuple(args.only),
        repeat=1 if args.quick else args.repeat,
        wrk_seconds=1 if args.quick else args.wrk_seconds,
        connections=args.connections,
        cold=not args.quick,
        ci=args.ci,
    )
    return config, args.output


def main(argv: list[str] | None = None) -> int:
    config, output = parse(argv)
    # Before the images are measured: the new machine's run forgets every image and cache there is.
    runs = {}
    if config.ci:
        config.work.mkdir(parents=True, exist_ok=True)
        for which, described in ci.MACHINES.items():
            print(f"timing the suite's CI: {described} ...", flush=True)
            runs[which] = ci.time_ci(config.work, which)
            print(f"  {runs[which]}", flush=True)
    subjects = prepare(config)
    for subject in subjects:
        print(f"measuring {subject.name} ...", flush=True)
        measure(subject, config)
        print(f"  {subject.failure or subject.results}", flush=True)
    record = {
        "facts": machine(),
        "settings": config.settings(),
        "subjects": {s.name: {"kind": s.kind, "results": s.results, "failure": s.failure} for s in subjects},
    }
    if runs:
        record["ci"] = runs
    output.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    report.write(record, output)
    for subject in subjects:
        docker("rmi", "-f", subject.image, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
