"""The questions, choices and defaults of copier.yml, read from the file itself."""

from __future__ import annotations

import itertools
import os
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


def complete_answers(**answers: Any) -> dict[str, Any]:
    """A full set of answers as a project records them, for calling the model directly."""
    return {
        "project_slug": "billing-api",
        "package_name": "billing",
        "app_kind": "fastapi",
        "package_manager": "uv",
        "python_version": "3.13",
        "base_flavour": "slim",
        "app_uid": "10001",
        **answers,
    }


def answers_for(**answers: Any) -> dict[str, Any]:
    """Answers for a test project; every key must be a question of copier.yml."""
    unknown = set(answers) - set(questions())
    assert not unknown, f"answers name no question of copier.yml: {sorted(unknown)}"
    return {"project_name": "Sample Service", **answers}


MATRIX_VARIABLE = "PYCONTAINER_MATRIX"


def narrowing(text: str | None = None) -> dict[str, list[Any]]:
    """The choices PYCONTAINER_MATRIX keeps per axis: `app_kind=fastapi,cli python_version=3.14`.

    Terms are separated by spaces, each an axis (a choice question of copier.yml) and the values it
    keeps, separated by commas; an axis not named keeps all its choices. A wrong axis or value is
    refused with the axes or values there are.
    """
    text = os.environ.get(MATRIX_VARIABLE, "") if text is None else text
    kept: dict[str, list[Any]] = {}
    for term in text.split():
        axis, _, values = term.partition("=")
        if not values:
            raise ValueError(f"{MATRIX_VARIABLE}: '{term}' is not axis=value[,value...]")
        if axis not in choice_questions():
            raise ValueError(f"{MATRIX_VARIABLE}: '{axis}' is no axis; axes: {', '.join(choice_questions())}")
        if axis in kept:
            raise ValueError(f"{MATRIX_VARIABLE}: '{axis}' is named twice; list its values once, comma-separated")
        offered = {str(choice): choice for choice in choices(axis)}
        if unknown := [value for value in values.split(",") if value not in offered]:
            raise ValueError(
                f"{MATRIX_VARIABLE}: {axis} has no choice {', '.join(unknown)}; choices: {', '.join(offered)}"
            )
        kept[axis] = [choice for name, choice in offered.items() if name in values.split(",")]
    return kept


def matrix(*axes: str) -> list[dict[str, Any]]:
    """Every combination of the named choice questions, as pytest params with readable ids;
    PYCONTAINER_MATRIX narrows it (see `narrowing`)."""
    values = narrowed(axes)
    return as_params([dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())])


def narrowed(axes: tuple[str, ...]) -> dict[str, list[Any]]:
    """Each named choice question's choices, as PYCONTAINER_MATRIX keeps them."""
    kept = narrowing()
    return {axis: kept.get(axis, choices(axis)) for axis in axes}


def as_params(combos: list[dict[str, Any]]) -> list[Any]:
    """Combinations as pytest params, each with its values joined by hyphens as its id."""
    return [pytest.param(combo, id="-".join(map(str, combo.values()))) for combo in combos]


def pairwise(axes: dict[str, list[Any]], preferred: Callable[[dict[str, Any]], bool] = lambda _: True) -> list[dict]:
    """Combinations in which every pair of values of any two axes occurs at least once (all-pairs).

    Pairs are covered by `preferred` combinations wherever one exists, so a pair is never left to a
    combination that may be skipped (a base image this machine cannot have); the rest follow.
    Greedy and deterministic: each step takes the first combination that covers the most pairs left.
    """
    names = list(axes)
    product = [dict(zip(names, values, strict=True)) for values in itertools.product(*axes.values())]

    # The pairs each combination covers, by its position in the product, computed once.
    pairs = [{((a, c[a]), (b, c[b])) for a, b in itertools.combinations(names, 2)} for c in product]
    chosen: list[int] = []
    for pool in ([i for i, c in enumerate(product) if preferred(c)], range(len(product))):
        wanted = set().union(*(pairs[i] for i in pool)) - set().union(set(), *(pairs[i] for i in chosen))
        while wanted:
            best = max(pool, key=lambda i: len(pairs[i] & wanted))
            chosen.append(best)
            wanted -= pairs[best]
    return [product[i] for i in chosen]


FULL_MATRIX_VARIABLE = "PYCONTAINER_FULL_MATRIX"


def pairs_matrix(*axes: str, preferred: Callable[[dict[str, Any]], bool] = lambda _: True) -> list[Any]:
    """All-pairs combinations of the named choice questions (`pairwise`), as pytest params; every
    combination (`matrix`) when PYCONTAINER_FULL_MATRIX=1. PYCONTAINER_MATRIX narrows either."""
    if os.environ.get(FULL_MATRIX_VARIABLE) == "1":
        return matrix(*axes)
    return as_params(pairwise(narrowed(axes), preferred))
