"""`copier update` carries a template release into projects without losing the users' work.

A template repository is made at 1.0.0 from this working tree, then moved to 2.0.0 with: a new
file, changed Dockerfile lines, a changed dependency (with its relocked carried locks), a
renamed question, a removed question and a moved file, the last three carried by _migrations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from copier import run_copy, run_update

from extensions import context
from tooling import REPO, engine
from tooling.locks import relock_into
from tooling.project import TEMPLATE_PATHS, copier_cli, git, run_own_tests

SCENARIOS = [
    pytest.param({"app_kind": "fastapi", "package_manager": "uv"}, id="fastapi-uv"),
    pytest.param({"app_kind": "flask", "package_manager": "pip"}, id="flask-pip"),
    pytest.param({"app_kind": "cli", "package_manager": "uv"}, id="cli-uv"),
    pytest.param({"app_kind": "job", "package_manager": "pip"}, id="job-pip"),
]
MIGRATIONS = """
_migrations:
  - version: "2.0.0"
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrations.py",
              "rename-answer", "author_name", "maintainer_name"]
  - version: "2.0.0"
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrations.py",
              "remove-answer", "with_github_actions"]
  - version: "2.0.0"
    when: "{{ _stage == 'before' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrations.py",
              "move-file", ".env.example", "config/.env.example"]
"""


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, f"{path.name} lacks {old!r}"
    path.write_text(text.replace(old, new))


def replace_everywhere(root: Path, old: str, new: str) -> None:
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text()
            if old in text:
                path.write_text(text.replace(old, new))


def evolve_to_2_0_0(template: Path) -> None:
    """The template changes a release might make, one of each sort."""
    # A new file, rendered with a value only 2.0.0's extension derives.
    (template / "template" / "CONTRIBUTING.md.jinja").write_text(
        "# Contributing to {{ project_name }}\n\nReleases come from the {{ release_channel }} channel.\n"
    )
    edit(
        template / "extensions" / "context.py",
        '        "is_web": is_web,',
        '        "is_web": is_web,\n        "release_channel": "stable",',
    )
    # Changed Dockerfile lines: one more runtime setting.
    edit(
        template / "template" / "Dockerfile.jinja",
        # The runtime stage's ENV: the only one whose PATH line ends it.
        "    VIRTUAL_ENV=/opt/venv \\\n    PATH=/opt/venv/bin:$PATH\n",
        "    VIRTUAL_ENV=/opt/venv \\\n    PYTHONFAULTHANDLER=1 \\\n    PATH=/opt/venv/bin:$PATH\n",
    )
    # A changed compose default that users also like to change.
    edit(template / "template" / "compose.yaml.jinja", "LOG_LEVEL: DEBUG", "LOG_LEVEL: INFO")
    # A renamed question and a removed one.
    replace_everywhere(template, "author_name", "maintainer_name")
    settings = template / "copier.yml"
    text = settings.read_text()
    start = text.index("with_github_actions:")
    settings.write_text(text[:start] + MIGRATIONS)
    # Every project now gets .github: its rule leaves the file model.
    edit(template / "extensions" / "model" / "files.py", '    ".github": option("with_github_actions"),\n', "")
    replace_everywhere(template / "template", "{%- if with_github_actions %}", "{%- if true %}")
    # A moved file.
    (template / "template" / "config").mkdir()
    (template / "template" / ".env.example.jinja").rename(template / "template" / "config" / ".env.example.jinja")
    # A changed dependency, with the carried locks made again from it.
    edit(template / "extensions" / "model" / "dependencies.py", '"ruff>=0.8"', '"ruff>=0.9"')


@pytest.fixture(scope="module")
def template_releases(tmp_path_factory) -> Path:
    """A template repository tagged 1.0.0 (this working tree) and 2.0.0 (evolved, relocked)."""
    template = tmp_path_factory.mktemp("releases")
    for name in TEMPLATE_PATHS:
        origin = REPO / name
        copy = shutil.copytree if origin.is_dir() else shutil.copy
        copy(origin, template / name)
    git(template, "init", "-q")
    git(template, "add", "-A")
    git(template, "commit", "-qm", "1.0.0")
    git(template, "tag", "1.0.0")
    evolve_to_2_0_0(template)
    relock_into(template)
    git(template, "add", "-A")
    git(template, "commit", "-qm", "2.0.0")
    git(template, "tag", "2.0.0")
    return template


def generate_and_edit(template: Path, destination: Path, answers: dict) -> Path:
    run_copy(
        str(template),
        destination,
        vcs_ref="1.0.0",
        defaults=True,
        unsafe=True,
        quiet=True,
        data={"project_name": "Ledger", "author_name": "Ada Lovelace", **answers},
    )
    package = destination / "src" / "ledger"
    # User edits: app code, Dockerfile and compose; the last on a line 2.0.0 changes too.
    with (package / "__init__.py").open("a") as init:
        init.write('\n\ndef greeting() -> str:\n    return "hello from the user"\n')
    with (destination / "Dockerfile").open("a") as dockerfile:
        dockerfile.write('LABEL org.example.team="payments"\n')
    edit(destination / "compose.yaml", "LOG_LEVEL: DEBUG", "LOG_LEVEL: WARNING")
    with (destination / ".env.example").open("a") as env:
        env.write("# added by the user\nFEATURE_FLAGS=beta\n")
    git(destination, "init", "-q")
    git(destination, "add", "-A")
    git(destination, "commit", "-qm", "generated from 1.0.0, then edited")
    return destination


def relock_as_told(project: Path) -> None:
    """The relock the update message gives (network needed): updates leave the lock to the project."""
    command = context.derive(yaml.safe_load((project / ".copier-answers.yml").read_text()))["lock_command"]
    env = {**os.environ, "UV_PYTHON": sys.executable}
    subprocess.run(command, shell=True, cwd=project, check=True, capture_output=True, env=env, timeout=600)


def update(project: Path, vcs_ref: str = "2.0.0") -> None:
    run_update(project, vcs_ref=vcs_ref, defaults=True, unsafe=True, overwrite=True, quiet=True)


def conflict_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r"<<<<<<< [^\n]*\n(.*?)=======\n(.*?)>>>>>>> [^\n]*\n", text, re.DOTALL)


@pytest.mark.network
@pytest.mark.parametrize("answers", SCENARIOS)
def test_update_brings_the_release_and_keeps_user_work(template_releases, tmp_path, answers):
    project = generate_and_edit(template_releases, tmp_path / "ledger", answers)
    lock_file = project / ("uv.lock" if answers["package_manager"] == "uv" else "requirements-dev.txt")
    lock_before = lock_file.read_text()
    update(project)

    # The template's changes arrive, through 2.0.0's own extension.
    assert "from the stable channel" in (project / "CONTRIBUTING.md").read_text()
    dockerfile = (project / "Dockerfile").read_text()
    assert "    PYTHONFAULTHANDLER=1 \\\n" in dockerfile
    assert "ruff>=0.9" in (project / "pyproject.toml").read_text()
    # The lock is the project's: the update leaves it, and the relock the update message gives takes the change.
    assert lock_file.read_text() == lock_before
    relock_as_told(project)
    lock = lock_file.read_text()
    assert "ruff" in lock
    if answers["package_manager"] == "uv":
        assert 'specifier = ">=0.9"' in lock

    # Edits that do not overlap survive unchanged.
    assert (
        'def greeting() -> str:\n    return "hello from the user"\n' in (project / "src/ledger/__init__.py").read_text()
    )
    assert dockerfile.endswith('LABEL org.example.team="payments"\n')

    # The overlapping edit shows both sides inline.
    blocks = conflict_blocks((project / "compose.yaml").read_text())
    assert len(blocks) == 1
    ours, theirs = blocks[0]
    assert "LOG_LEVEL: WARNING" in ours and "LOG_LEVEL: INFO" in theirs

    # Migrations: renamed and removed answers, moved file with the user's lines.
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["maintainer_name"] == "Ada Lovelace"
    assert "author_name" not in recorded and "with_github_actions" not in recorded
    assert recorded["_commit"] == "2.0.0"
    assert recorded["app_kind"] == answers["app_kind"]
    assert not (project / ".env.example").exists()
    moved = (project / "config/.env.example").read_text()
    assert moved.startswith("# Copy to .env")
    # Copier sees a moved file as added on both sides: the user's own lines come back marked.
    assert conflict_blocks(moved) == [("# added by the user\nFEATURE_FLAGS=beta\n", "")]
    assert "Ada Lovelace" in (project / "pyproject.toml").read_text()

    # Resolved as the user would, the project's own checks pass on the updated lock.
    resolve_keeping_ours(project / "compose.yaml")
    resolve_keeping_ours(project / "config/.env.example")
    assert subprocess.run(["git", "diff", "--check"], cwd=project, capture_output=True).returncode == 0
    run_own_tests(project, answers["package_manager"])


def resolve_keeping_ours(path: Path) -> None:
    text = path.read_text()
    path.write_text(re.sub(r"<<<<<<< [^\n]*\n(.*?)=======\n.*?>>>>>>> [^\n]*\n", r"\1", text, flags=re.DOTALL))


def test_update_with_no_network(template_releases, tmp_path):
    """The update reads only the template repository: it succeeds in an empty network namespace."""
    project = generate_and_edit(template_releases, tmp_path / "ledger", {"app_kind": "job"})
    result = copier_cli("update", "--trust", "--defaults", "--vcs-ref", "2.0.0", str(project), offline=True)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "2.0.0"
    assert (project / "config/.env.example").is_file()
    assert "FEATURE_FLAGS=beta" in (project / "config/.env.example").read_text()


@pytest.mark.docker
@pytest.mark.network
def test_updated_project_image_builds(template_releases, tmp_path):
    project = generate_and_edit(template_releases, tmp_path / "ledger", {"app_kind": "fastapi"})
    update(project)
    relock_as_told(project)
    resolve_keeping_ours(project / "compose.yaml")
    secret_file, _ = engine.secret_with_marker(tmp_path)
    image = "copier-pycontainer-test/updated:runtime"
    engine.build(project, image, secret_file=secret_file)
    client = engine.engine()
    assert "PYTHONFAULTHANDLER=1" in client.images.get(image).attrs["Config"]["Env"]
    client.images.remove(image, force=True)


def conflicts_in(project: Path) -> subprocess.CompletedProcess:
    """The project's own `just conflicts` line, run as its recipe runs it."""
    return subprocess.run(["sh", "-c", context.CONFLICTS_COMMAND], cwd=project, capture_output=True, text=True)


def test_the_update_names_its_conflicts_and_a_second_one_says_nothing_to_resolve(template_releases, tmp_path):
    project = generate_and_edit(template_releases, tmp_path / "ledger", {"app_kind": "fastapi"})
    lock_command = context.derive(yaml.safe_load((project / ".copier-answers.yml").read_text()))["lock_command"]
    first = copier_cli("update", "--trust", "--defaults", "--vcs-ref", "2.0.0", str(project))
    assert first.returncode == 0, first.stderr
    listed = [line.strip() for line in (first.stdout + first.stderr).splitlines() if line.startswith("  ")]
    assert {"compose.yaml", "config/.env.example"} <= set(listed), first.stdout + first.stderr
    # 2.0.0 changed pyproject.toml (ruff>=0.9): the message gives the relock.
    assert lock_command in first.stdout + first.stderr
    found = conflicts_in(project)
    assert found.returncode == 1 and "compose.yaml:" in found.stdout, found.stdout
    for name in ("compose.yaml", "config/.env.example"):
        resolve_keeping_ours(project / name)
    assert conflicts_in(project).returncode == 0
    git(project, "add", "-A")
    git(project, "commit", "-qm", "update to 2.0.0")
    second = copier_cli("update", "--trust", "--defaults", "--vcs-ref", "2.0.0", str(project))
    assert second.returncode == 0, second.stderr
    assert "The update changed no file: nothing to resolve or relock." in second.stdout + second.stderr
    assert lock_command not in second.stdout + second.stderr
    assert "conflict" not in (second.stdout + second.stderr).replace("nothing to resolve", "")


@pytest.mark.parametrize("leftover", ["<<<<<<< before\n", ">>>>>>> 2.0.0\n", "rejected hunk\n"])
def test_the_conflicts_command_fails_on_a_marker_or_a_rej_file(tmp_path, leftover):
    git(tmp_path, "init", "-q")
    (tmp_path / "notes.md").write_text("# Notes\n\n=======\nA line of equals signs is text, not a conflict.\n")
    git(tmp_path, "add", "-A")
    assert conflicts_in(tmp_path).returncode == 0
    name = "compose.yaml.rej" if leftover == "rejected hunk\n" else "README.md"
    (tmp_path / name).write_text(leftover)
    found = conflicts_in(tmp_path)
    assert found.returncode == 1 and name in found.stdout, found.stdout
