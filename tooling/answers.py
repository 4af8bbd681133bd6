"""The questions, choices and defaults of copier.yml, read from the file itself."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
import yaml

from tooling import REPO


@cache
def questions() -> dict[str, dict[str, Any]]:
    settings = yaml.safe_load((REPO / "copier.yml").read_text())
    return {name: spec for name, spec in settings.items() if not name.startswith("_")}


def _choice_values(question: str) -> list[Any]:
    spec = questions()[question]["choices"]
    return list(spec.values()) if isinstance(spec, dict) else list(spec)


def choices(question: str) -> list[Any]:
    """The values (not the labels) a new project may choose; a choice with a validator is not offered."""
    return [value for value in _choice_values(question) if not isinstance(value, dict)]


def update_only_choices(question: str) -> list[Any]:
    """Values its validator admits only while updating a project that already records them."""
    return [value["value"] for value in _choice_values(question) if isinstance(value, dict)]


def choice_questions() -> list[str]:
    return [name for name, spec in questions().items() if "choices" in spec]


WEB_KINDS = [kind for kind in choices("app_kind") if kind in ("fastapi", "flask")]


def answers_for(**answers: Any) -> dict[str, Any]:
    """Answers for a test project; every key must be a question of copier.yml."""
    unknown = set(answers) - set(questions())
    assert not unknown, f"answers name no question of copier.yml: {sorted(unknown)}"
    return {"project_name": "Sample Service", **answers}


def matrix(*axes: str) -> list[dict[str, Any]]:
    """Every combination of the named choice questions, as pytest params with readable ids."""
    combos = itertools.product(*(choices(axis) for axis in axes))
    return [pytest.param(dict(zip(axes, combo, strict=True)), id="-".join(map(str, combo))) for combo in combos]


def pairwise(axes: dict[str, list[Any]], preferred: Callable[[dict[str, Any]], bool] = lambda _: True) -> list[dict]:
    """Combinations in which every pair of values of any two axes occurs at least once (all-pairs).

    Pairs are covered by `preferred` combinations wherever one exists, so a pair is never left to a
    combination that may be skipped (a base image this machine cannot have); the rest follow.
    Greedy and deterministic: each step takes the first combination that covers the most pairs left.
    """
    names = list(axes)
    product = [dict(zip(names, values, strict=True)) for values in itertools.product(*axes.values())]

    def pairs(combo: dict[str, Any]) -> set[tuple]:
        return {((a, combo[a]), (b, combo[b])) for a, b in itertools.combinations(names, 2)}

    chosen: list[dict[str, Any]] = []
    for pool in ([c for c in product if preferred(c)], product):
        wanted = set().union(*(pairs(c) for c in pool)) - set().union(set(), *(pairs(c) for c in chosen))
        while wanted:
            best = max(pool, key=lambda combo: len(pairs(combo) & wanted))
            chosen.append(best)
            wanted -= pairs(best)
    return chosen
