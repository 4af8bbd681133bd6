"""User journeys: every command a README, the next-steps message or the CI workflow gives, run
verbatim and in order on the real engine, and what they promise checked afterwards."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from extensions import context
from tooling import REPO
from tooling.answers import choices, matrix
from tooling.journeys import (
    GITHUB_VALUES,
    SKIPPED,
    Journey,
    JourneyFailed,
    Step,
    block_commands,
    http_answers,
    next_steps,
    readme_steps,
    runner_environment,
    skip_reason,
    workflow_steps,
)
from tooling.project import TEMPLATE_PATHS, git

PAIRS = matrix("app_kind", "package_manager")
# A uid this machine's host knows (its first user), for compose watch on Docker 20.10.
WATCH_UID = 1000
# One port per pair, so that journeys on parallel workers never compete for one.
PORTS = {pair.id: 18100 + index for index, pair in enumerate(PAIRS)}


@pytest.fixture(scope="session")
def template_clone(tmp_path_factory) -> Path:
    """The template as a user clones it: the working tree committed into a fresh repository, no tags."""
    repository = tmp_path_factory.mktemp("template")
    for name in [*TEMPLATE_PATHS, "README.md", "CHANGELOG.md"]:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, repository / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, repository / name)
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", "-A")
    git(repository, "commit", "--quiet", "-m", "Template under test")
    return repository


@contextmanager
def exclusive(name: str):
    """Serialise journeys on a resource every project shares, such as the CI workflow's `app:dev` tag."""
    with open(Path(tempfile.gettempdir()) / f"copier-pycontainer-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def host_python(env: dict[str, str]) -> str:
    """The newest offered Python this host can run. A README names its interpreter by the answer and
    `uv sync` needs it on the host, which has only pyenv's CPython 3.10 to 3.13 and can download none;
    the default (3.14) and 3.15 run in the images, whose stand-ins the image tests cover."""
    runnable = [version for version in choices("python_version") if shutil.which(f"python{version}", path=env["PATH"])]
    assert runnable, f"no offered Python ({choices('python_version')}) runs on this host"
    return max(runnable, key=lambda version: tuple(map(int, version.split("."))))


def copy_project(template: Path, parent: Path, name: str, env: dict[str, str], **answers) -> str:
    """`copier copy` as a user runs it from the parent directory; returns what copier printed."""
    data = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", *data, str(template), name]
    result = subprocess.run(command, cwd=parent, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def tear_down(project: Path, env: dict[str, str], image: str) -> None:
    for file in ("compose.yaml", "compose.prod.yaml"):
        if (project / file).exists():
            subprocess.run(
                ["docker", "compose", "-f", file, "down", "--volumes", "--remove-orphans", "--rmi", "local"],
                cwd=project,
                env=env,
                capture_output=True,
            )
    subprocess.run(["docker", "image", "rm", "--force", image, f"{image}:1.2.0"], env=env, capture_output=True)


def record(name: str, journey: Journey) -> None:
    """Its commands with their status and seconds, slowest first, in reports/journeys/: where its time goes."""
    directory = REPO / "reports" / "journeys"
    directory.mkdir(parents=True, exist_ok=True)
    slowest = sorted(journey.outcomes, key=lambda outcome: outcome.seconds, reverse=True)
    lines = [f"{o.seconds:7.1f}s  exit {o.status}  [{o.step.origin}] {o.step.command}" for o in slowest]
    (directory / f"{name}.txt").write_text("\n".join(lines) + "\n")


def check_promises(journey: Journey, variables: dict) -> None:
    """What the README says its commands show."""
    port = variables["expose_port"]
    if variables["is_web"]:
        for output in journey.output_of(f"curl -fsS http://127.0.0.1:{port}/ready"):
            assert json.loads(output)["status"] == "ready", output
        if variables["uses_postgres"]:
            [listed] = journey.output_of(f"curl -fsS http://127.0.0.1:{port}/notes")
            assert "first note" in listed, listed
    elif variables["app_kind"] == "cli":
        summaries = journey.output_of(f"{variables['run_prefix']}{variables['console_script']} summarise")
        assert summaries and all("age" in output for output in summaries), summaries
    else:
        assert any("job finished" in output for output in journey.output_of("docker compose -f compose.prod.yaml run"))


def reloads_after_an_edit(project: Path, variables: dict) -> Callable[[Journey], None]:
    """The development stack reloads the server when a source file changes, as the README says."""

    def check(journey: Journey) -> None:
        source = project / "src" / variables["package_name"] / "app.py"
        logs = ["docker", "compose", "logs", "--no-color", "app"]
        before = subprocess.run(logs, cwd=project, env=journey.env, capture_output=True, text=True).stdout
        source.write_text(source.read_text() + "\n# edited while the development stack runs\n")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = subprocess.run(logs, cwd=project, env=journey.env, capture_output=True, text=True).stdout
            if "reloading" in now[len(before) :].lower():
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"no reload within 30 s of an edit:\n{now[-3000:]}")
        subprocess.run(["git", "checkout", "--", str(source)], cwd=project, check=True)
        # The next README command expects the reloaded server to answer again.
        health = f"http://127.0.0.1:{variables['expose_port']}/health"
        deadline = time.monotonic() + 60
        while not http_answers(health):
            assert time.monotonic() < deadline, f"no answer at {health} after the reload"
            time.sleep(0.5)

    return check


# Run-once programs: the production compose command exits with the program's own status.
FAILING_RUNS = {
    "cli": ("docker compose -f compose.prod.yaml run --rm app summarise missing.csv", 66),
    "job": ("docker compose -f compose.prod.yaml run --rm -e PRUNE_MAX_AGE_DAYS=-1 app", 2),
}


@pytest.mark.docker
@pytest.mark.network
@pytest.mark.parametrize("axes", PAIRS)
def test_generated_project_journey(axes, request, template_clone, user_environment, tmp_path):
    port = PORTS[request.node.callspec.id]
    name = f"journey-{axes['app_kind']}-{axes['package_manager']}"
    python = host_python(user_environment)
    # Compose watch copies files in as the app's uid, which Docker 20.10 resolves on the host: the README
    # tells its users to pick their own uid there, as this journey does with the host's first user.
    uid = {"app_uid": WATCH_UID} if axes["app_kind"] in context.WEB_KINDS else {}
    message = copy_project(
        template_clone, tmp_path, name, user_environment, **axes, port=port, python_version=python, **uid
    )
    project = tmp_path / name
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    variables = {**answers, **context.derive(answers)}
    serving = (variables["local_serve_command"], variables["image_serve_command"], variables["compose_watch_command"])
    servers = {command: f"http://127.0.0.1:{port}/health" for command in serving if command}
    checks = (
        {variables["compose_watch_command"]: reloads_after_an_edit(project, variables)} if variables["is_web"] else {}
    )
    journey = Journey(tmp_path, user_environment, servers, checks)
    try:
        journey.run_all(next_steps(message) + readme_steps((project / "README.md").read_text()))
        check_promises(journey, variables)
        if variables["app_kind"] in FAILING_RUNS:
            command, status = FAILING_RUNS[variables["app_kind"]]
            result = subprocess.run(
                command, shell=True, cwd=project, env=user_environment, capture_output=True, text=True
            )
            assert result.returncode == status, f"{command} exited {result.returncode}:\n{result.stderr[-2000:]}"
    finally:
        tear_down(project, user_environment, variables["image_name"])
        record(name, journey)

    workflow = project / ".github" / "workflows" / "ci.yml"
    if workflow.exists():
        # The workflow runs on a fresh checkout: only what is committed.
        checkout = tmp_path / "checkout"
        git(tmp_path, "clone", "--quiet", str(project), str(checkout))
        runner = runner_environment(user_environment, tmp_path / "runner")
        ci = Journey(checkout, runner)
        with exclusive("ci-tags"):
            ci.run_all(workflow_steps(workflow.read_text()))
        assert any("passed" in output for output in ci.output_of("docker run --rm app:dev pytest")), ci.transcript()
        summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
        for shown in (GITHUB_VALUES["steps.push.outputs.digest"], GITHUB_VALUES["steps.image.outputs.version"]):
            assert shown in summary, summary
        assert "name=ghcr.io/example/project" in Path(runner["GITHUB_OUTPUT"]).read_text()


@pytest.mark.docker
@pytest.mark.network
def test_suite_readme_generates_and_updates(template_clone, user_environment, tmp_path):
    """The suite's README on a clean clone: its generate command, then the generated README's update
    command after a new template commit, which must arrive."""
    clone = tmp_path / "copier-pycontainer"
    git(tmp_path, "clone", "--quiet", str(template_clone), str(clone))
    generate = [step for step in readme_steps((clone / "README.md").read_text()) if "copier copy" in step.command]
    assert generate, "the suite's README gives no copier copy command"
    journey = Journey(clone, user_environment)
    journey.run(generate[0])
    project = (clone / generate[0].command.split()[-1]).resolve()
    journey.cwd = project
    journey.run_all([step for step in next_steps(journey.outcomes[-1].output) if step.command.startswith("git ")])

    marker = "# arrived with the next template commit"
    dockerignore = clone / "template" / ".dockerignore.jinja"
    dockerignore.write_text(dockerignore.read_text() + marker + "\n")
    git(clone, "commit", "--quiet", "-am", "A template change")
    update = [step for step in readme_steps((project / "README.md").read_text()) if "copier update" in step.command]
    assert len(update) == 1, update
    journey.run_all(update)
    assert marker in (project / ".dockerignore").read_text(), journey.transcript()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["_commit"].startswith(git(clone, "rev-parse", "--short", "HEAD").strip()[:7]), recorded


def every_documented_command(tmp_path: Path) -> list[str]:
    """The commands of every README, next-steps message and workflow the pairs generate (no engine needed)."""
    commands = [step.command for step in readme_steps((REPO / "README.md").read_text())]
    for pair in PAIRS:
        answers = {**pair.values[0], "project_name": f"Pair {pair.id}"}
        data = [arg for key, value in answers.items() for arg in ("--data", f"{key}={value}")]
        result = subprocess.run(
            [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", *data, str(REPO), pair.id],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        project = tmp_path / pair.id
        commands += [step.command for step in next_steps(result.stderr)]
        commands += [step.command for step in readme_steps((project / "README.md").read_text())]
        workflow = project / ".github" / "workflows" / "ci.yml"
        commands += [step.command for step in workflow_steps(workflow.read_text())]
    return commands


def test_every_skipped_command_exists_and_the_list_stays_short(tmp_path):
    commands = every_documented_command(tmp_path)
    for pattern in SKIPPED:
        assert any(pattern in command for command in commands), f"SKIPPED names a command nobody documents: {pattern}"
    skipped = [command for command in commands if skip_reason(command)]
    assert len(set(skipped)) <= len(SKIPPED), skipped


def test_journeys_cover_every_kind_and_manager():
    assert {pair.values[0]["app_kind"] for pair in PAIRS} == set(choices("app_kind"))
    assert {pair.values[0]["package_manager"] for pair in PAIRS} == set(choices("package_manager"))


def test_block_commands_join_continuations_and_drop_comments():
    body = "# a comment\n\ndocker build \\\n  -t app .\ncurl -fsS http://x   # trailing comment stays\n"
    assert block_commands(body) == ["docker build -t app .", "curl -fsS http://x   # trailing comment stays"]
    assert block_commands("$ uv sync\nResolved 3 packages\n$ uv run pytest\n", console=True) == [
        "uv sync",
        "uv run pytest",
    ]


def test_readme_steps_name_their_section():
    markdown = "# P\n\n## Set up\n\n```sh\nuv sync\n```\n\n```python\nprint()\n```\n\n## Run\n\n```bash\nrun it\n```\n"
    assert readme_steps(markdown) == [Step("README / Set up", "uv sync"), Step("README / Run", "run it")]


def test_workflow_expressions_are_replaced_or_refused():
    workflow = "jobs:\n  a:\n    steps:\n      - uses: x\n      - name: Tag\n        run: echo ${{ github.sha }}\n"
    assert workflow_steps(workflow) == [Step("CI / a / Tag", f"echo {GITHUB_VALUES['github.sha']}")]
    with pytest.raises(KeyError, match=r"github\.event\.number"):
        workflow_steps(workflow.replace("github.sha", "github.event.number"))


def test_a_failing_command_fails_the_journey(tmp_path):
    journey = Journey(tmp_path, {"PATH": "/usr/bin:/bin"})
    with pytest.raises(JourneyFailed, match="exit 3"):
        journey.run_all([Step("README / x", "echo fine"), Step("README / x", "echo 'exit 3' && exit 3")])
