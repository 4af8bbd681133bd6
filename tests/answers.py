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


def choices(question: str) -> list[Any]:
    """The values (not the labels) a choice question accepts."""
    spec = questions()[question]["choices"]
    return list(spec.values()) if isinstance(spec, dict) else list(spec)


def choice_questions() -> list[str]:
    return [name for name, spec in questions().items() if "choices" in spec]
