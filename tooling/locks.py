"""Regenerate the dependency locks the template carries, with the commands generated READMEs give.

`python -m tooling.locks` renders a project of every kind, runs its lock commands (network needed)
and stores the results under includes/locks/<kind>/ with the project name made a template
variable again. Projects then get exactly the versions the suite's tests ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from extensions import context
from tooling import REPO
from tooling.answers import choices
from tooling.project import copy_template

PLACEHOLDER_SLUG = "lock-placeholder"
LOCK_FILES = {"uv": ["uv.lock"], "pip": list(context.PIP_LOCK_FILES)}


def render(template: Path, destination: Path, app_kind: str, package_manager: str) -> None:
    data = {
        "project_name": "Lock Placeholder",
        "project_slug": PLACEHOLDER_SLUG,
        "app_kind": app_kind,
        "package_manager": package_manager,
    }
    copy_template(destination, data, template)


def relock(app_kind: str, package_manager: str, template: Path = REPO) -> list[Path]:
    stored = []
    with tempfile.TemporaryDirectory(prefix="relock-") as tmp:
        project = Path(tmp)
        render(template, project, app_kind, package_manager)
        for name in LOCK_FILES[package_manager]:
            (project / name).unlink(missing_ok=True)
        # The locks are universal: any interpreter resolves them, whatever .python-version names.
        # The suite's own uv first: a pyenv shim named uv may answer for another Python's install.
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        env = {**os.environ, "UV_PYTHON": sys.executable, "PATH": path}
        for command in context.lock_commands(package_manager):
            subprocess.run(command, cwd=project, check=True, env=env)
        for name in LOCK_FILES[package_manager]:
            target = template / "includes" / "locks" / app_kind / name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = (project / name).read_text().replace(PLACEHOLDER_SLUG, "{{ project_slug }}")
            target.write_text(text)
            stored.append(target)
    return stored


def relock_into(template: Path = REPO) -> list[Path]:
    """Every carried lock of a template checkout, made again."""
    return [
        path
        for app_kind in choices("app_kind")
        for package_manager in choices("package_manager")
        for path in relock(app_kind, package_manager, template)
    ]


def main() -> int:
    for path in relock_into():
        print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
