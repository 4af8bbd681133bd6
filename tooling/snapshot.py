"""Render every variant of the matrix into one directory, to compare two states of the template.

`python -m tooling.snapshot OUT [--template DIR]` renders each combination of copier.yml's choice
questions twice: with the yes/no options at their defaults and with each flipped. A refactoring
that must not change what users get is proved by `diff -r` of the snapshots before and after.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tooling import REPO
from tooling.answers import choice_questions, choices, questions
from tooling.project import copy_template


def variants() -> dict[str, dict[str, Any]]:
    """Name -> answers, for every combination of choices, with the yes/no options as given and flipped."""
    axes = choice_questions()
    options = [name for name, spec in questions().items() if spec.get("type") == "bool"]
    defaults = {name: bool(questions()[name].get("default")) for name in options}
    found = {}
    for combo in itertools.product(*(choices(axis) for axis in axes)):
        base = dict(zip(axes, combo, strict=True))
        for flipped in (False, True):
            answers = {**base, **{name: value != flipped for name, value in defaults.items()}}
            found["-".join(map(str, combo)) + ("-options" if flipped else "")] = answers
    return found


def render(job: tuple[str, str, dict[str, Any], str]) -> str:
    template, name, answers, out = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copy_template(Path(out) / name, {"project_name": "Snapshot Service", **answers}, template)
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--template", default=str(REPO), help="the template to render (default: this working tree)")
    args = parser.parse_args(argv)
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    jobs = [(args.template, name, answers, str(args.out)) for name, answers in variants().items()]
    with ProcessPoolExecutor() as pool:
        for done in pool.map(render, jobs):
            print(done, file=sys.stderr)
    print(f"{len(jobs)} variants rendered into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
