"""The questions, choices and defaults of copier.yml, read from the file itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]


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
