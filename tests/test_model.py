"""extensions/context.py and its model: every derived value reaches a file, and copier's way of loading works."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from extensions import context
from tooling import REPO
from tooling.answers import choices, complete_answers

ANSWERS = complete_answers()


def template_sources() -> str:
    """Every text copier renders with the derived values: template files, included parts, copier.yml."""
    files = [REPO / "copier.yml"]
    for root in (REPO / "template", REPO / "includes"):
        files += [path for path in root.rglob("*") if path.is_file() and "locks" not in path.relative_to(root).parts]
    return "\n".join(path.read_text(errors="replace") + "\n" + str(path.relative_to(REPO)) for path in files)


@pytest.mark.parametrize("kind", choices("app_kind"))
def test_every_derived_value_is_printed_somewhere(kind):
    sources = template_sources()
    derived = context.derive({**ANSWERS, "app_kind": kind})
    unused = [name for name in derived if not re.search(rf"\b{name}\b", sources)]
    assert unused == [], f"derived but never printed: {unused}"


def load_as_copier_does(extensions: Path) -> ModuleType:
    """copier_template_extensions' loader: the file by path, as a module of its own package."""
    spec = importlib.util.spec_from_file_location("copier_template_extensions.context", extensions / "context.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_template_releases_in_one_process_each_derive_from_their_own_model(tmp_path: Path):
    # `copier update` renders the old release and the new one in one process.
    other = tmp_path / "extensions"
    shutil.copytree(REPO / "extensions", other, ignore=shutil.ignore_patterns("__pycache__"))
    versions = other / "model" / "versions.py"
    versions.write_text(re.sub(r'^UV_VERSION = "[^"]*"$', 'UV_VERSION = "9.8.7"', versions.read_text(), flags=re.M))
    answers = {**ANSWERS, "app_kind": "cli"}
    older = load_as_copier_does(REPO / "extensions")
    newer = load_as_copier_does(other)
    assert older.derive(answers)["uv_image"] == context.derive(answers)["uv_image"]
    assert newer.derive(answers)["uv_image"] == "ghcr.io/astral-sh/uv:9.8.7"
    assert load_as_copier_does(REPO / "extensions").derive(answers)["uv_image"] != "ghcr.io/astral-sh/uv:9.8.7"
