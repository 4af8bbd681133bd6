"""The benchmark's subjects: the generated projects, other projects' patterns on the generated code, and the
tutorial's Dockerfiles, each made ready to build under the run's work directory."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.common import Measured, docker, sh
from extensions import context
from tooling import REPO
from tooling.project import copy_template

DEFAULT_WORK = REPO / "bench" / "work"
TUTORIAL = REPO / "bench" / "tutorial"
PYTHON_VERSION = "3.13"
BASE = context.base_image(PYTHON_VERSION, "slim")
TUTORIAL_PATTERNS = {
    "tutorial-minimal": "Dockerfile.minimal",
    "tutorial-uv-multistage": "Dockerfile.uv-multistage",
    "tutorial-fastapi-pattern": "Dockerfile.fastapi-pattern",
}
# Other projects' patterns, on the generated FastAPI (uv) project: name -> Dockerfile under bench/reference.
REFERENCE_PATTERNS = {"uv-docker-example-multistage": "Dockerfile.uv-docker-example"}
GENERATED = {  # name: answers
    "generated-uv": {"app_kind": "fastapi", "package_manager": "uv"},
    "generated-pip": {"app_kind": "fastapi", "package_manager": "pip"},
    "generated-flask": {"app_kind": "flask", "package_manager": "uv"},
    "generated-cli": {"app_kind": "cli", "package_manager": "uv"},
    "generated-job": {"app_kind": "job", "package_manager": "uv"},
}
# Locks are universal: the running interpreter resolves them, whatever .python-version names.
LOCKS_ENV = {"UV_PYTHON": sys.executable}


@dataclass(frozen=True)
class Config:
    """One run's settings, from the command line."""

    work: Path = DEFAULT_WORK
    only: tuple[str, ...] = (*TUTORIAL_PATTERNS, *REFERENCE_PATTERNS, *GENERATED)
    repeat: int = 3
    wrk_seconds: int = 10
    connections: int = 32
    cold: bool = True  # prune the build cache before each cold build
    ci: bool = False  # time the suite's CI first (bench/ci.py)

    def settings(self) -> dict[str, object]:
        """As the report states them."""
        return {
            "repeat": self.repeat,
            "wrk": f"-t2 -c{self.connections} -d{self.wrk_seconds}s",
            "cold builds": "after `docker builder prune --all`" if self.cold else "warm cache (quick run)",
        }


@dataclass
class Subject(Measured):
    name: str
    context_dir: Path
    dockerfile: str
    kind: str  # fastapi | flask | cli | job
    source_file: Path
    package_manager: str
    venv_path: str
    app_path: str

    @property
    def image(self) -> str:
        return f"copier-pycontainer-bench/{self.name}"

    @property
    def web(self) -> bool:
        return self.kind in ("fastapi", "flask")


def prepare(config: Config) -> list[Subject]:
    """The subjects config.only names, in the report's order; others they are made from are made too."""
    work, names = config.work, config.only
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    tutorial_names = [name for name in TUTORIAL_PATTERNS if name in names]
    needed = {*names}
    if tutorial_names:
        needed.add("generated-pip")  # its locked requirements are the tutorial app's pins
    if any(name in REFERENCE_PATTERNS for name in names):
        needed.add("generated-uv")  # the code the other projects' patterns build
    subjects = [generated(work, name, answers) for name, answers in GENERATED.items() if name in needed]
    subjects += [reference(work, name, dockerfile) for name, dockerfile in REFERENCE_PATTERNS.items() if name in names]
    if tutorial_names:
        subjects += tutorial(work, tutorial_names)
    return [s for s in subjects if s.name in names]


def generated(work: Path, name: str, answers: dict[str, str]) -> Subject:
    destination = copy_template(work / name, {"project_name": "Bench App", "python_version": PYTHON_VERSION, **answers})
    kind = answers["app_kind"]
    module = "app" if kind in ("fastapi", "flask") else kind
    site_packages = f"/opt/venv/lib/python{PYTHON_VERSION}/site-packages"
    source = destination / "src" / "bench_app" / f"{module}.py"
    return Subject(
        name,
        destination,
        "Dockerfile",
        kind,
        source,
        answers["package_manager"],
        "/opt/venv",
        f"{site_packages}/bench_app",
    )


def reference(work: Path, name: str, dockerfile: str) -> Subject:
    destination = work / name
    shutil.copytree(work / "generated-uv", destination)
    text = (REPO / "bench" / "reference" / dockerfile).read_text().replace("UV_VERSION", context.UV_VERSION)
    (destination / dockerfile).write_text(text)
    source = destination / "src" / "bench_app" / "app.py"
    return Subject(name, destination, dockerfile, "fastapi", source, "uv", "/app/.venv", "/app/src/bench_app")


def tutorial(work: Path, names: list[str]) -> list[Subject]:
    app = work / "tutorial"
    shutil.copytree(TUTORIAL, app)
    for path in app.glob("Dockerfile.*"):
        path.write_text(path.read_text().replace("UV_VERSION", context.UV_VERSION))
    # The same pins as the generated projects: their locked runtime requirements.
    shutil.copy(work / "generated-pip" / "requirements.txt", app / "requirements.txt")
    dependencies = ",\n".join(f'    "{req}"' for req in context.runtime_dependencies("fastapi"))
    dev = ",\n".join(f'    "{req}"' for req in context.dev_dependencies("fastapi"))
    (app / "pyproject.toml").write_text(
        f'[project]\nname = "bench-app"\nversion = "0.1.0"\nrequires-python = ">={context.LOCK_PYTHON_FLOOR}"\n'
        f"dependencies = [\n{dependencies},\n]\n\n[dependency-groups]\ndev = [\n{dev},\n]\n"
    )
    sh("uv", "lock", "--quiet", cwd=app, env=LOCKS_ENV)
    # pip installs the minimal pattern's packages into the interpreter's own site-packages.
    site_packages = docker(
        "run", "--rm", BASE, "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    ).stdout.strip()
    venvs = {"tutorial-minimal": site_packages}
    return [
        Subject(
            name,
            app,
            TUTORIAL_PATTERNS[name],
            "fastapi",
            app / "main.py",
            "pip" if name == "tutorial-minimal" else "uv",
            venvs.get(name, "/app/.venv"),
            "/app",
        )
        for name in names
    ]
