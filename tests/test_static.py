"""Every generated file passes its own ecosystem's validator, with no engine needed."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from extensions import context
from tooling import engine
from tooling.answers import WEB_KINDS, matrix
from tooling.project import Rendered, compose_config
from tooling.tools import tool

STRUCTURAL = ("app_kind", "package_manager", "base_flavour")


@pytest.fixture
def full_project(render):
    """A project with every optional file, for the given structural answers."""

    def _render(**axes) -> Rendered:
        return render(**axes, with_kubernetes=True, with_github_actions=True)

    return _render


@pytest.mark.parametrize("axes", matrix(*STRUCTURAL))
def test_hadolint_finds_nothing(full_project, axes):
    project = full_project(**axes)
    result = tool("hadolint", "--no-color", "Dockerfile", cwd=project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_hadolint_ignores_are_inline_with_a_reason(full_project):
    dockerfile = full_project(app_kind="fastapi", base_flavour="alpine").read("Dockerfile").splitlines()
    ignores = [number for number, line in enumerate(dockerfile) if "hadolint ignore" in line]
    assert ignores, "this Dockerfile has no hadolint ignore, so the check below would check nothing"
    for number in ignores:
        rule = dockerfile[number].split("=", 1)[1]
        assert rule in dockerfile[number - 1], f"line {number}: ignore of {rule} without its reason above"


@pytest.mark.parametrize("digest", ["", "sha256:" + "c" * 64])
def test_hadolint_accepts_digest_pinning(render, digest):
    project = render(base_image_digest=digest)
    assert tool("hadolint", "--no-color", "Dockerfile", cwd=project.path).returncode == 0


@pytest.mark.parametrize("with_postgres", [True, False], ids=["postgres", "sqlite"])
@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_compose_files_are_valid_and_hardened(render, axes, with_postgres):
    project = render(**axes, with_postgres=with_postgres)
    web = axes["app_kind"] in WEB_KINDS
    dev = compose_config(project, "compose.yaml")
    prod = compose_config(project, "compose.prod.yaml")

    app = dev["services"]["app"]
    assert app["build"]["target"] == "dev"
    # Servers take edits through develop.watch (tests/test_devloop.py); each run-once container mounts the source.
    assert ("develop" in app) == web
    assert any(volume["target"] == "/app" and volume["type"] == "bind" for volume in app.get("volumes", [])) != web
    if web:
        assert [port["host_ip"] for port in app["ports"]] == ["127.0.0.1"]
        assert app["healthcheck"]["test"][0] == "CMD"

    app = prod["services"]["app"]
    assert app["build"]["target"] == "runtime"
    assert app["read_only"] is True
    assert app["cap_drop"] == ["ALL"]
    assert app["security_opt"] == ["no-new-privileges:true"]
    assert "/tmp" in app["tmpfs"]
    assert app["deploy"]["resources"]["limits"]["memory"]
    assert app["stop_grace_period"]
    assert app["restart"] == ("unless-stopped" if web else "no")

    uses_postgres = web and with_postgres
    assert ("db" in dev["services"]) == uses_postgres
    assert ("db" in prod["services"]) == uses_postgres
    if uses_postgres:
        for stack in (dev, prod):
            db = stack["services"]["db"]
            assert db["image"] == context.postgres_image()
            assert "pg_isready" in " ".join(db["healthcheck"]["test"])
            assert [volume["target"] for volume in db["volumes"]] == [context.postgres_data_path()]
            # The app waits for the one-shot migrate service, which waits for a healthy database.
            assert stack["services"]["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
            migrate = stack["services"]["migrate"]
            derived = context.derive(yaml.safe_load(project.read(".copier-answers.yml")))
            assert migrate["command"] == json.loads(derived["migrate_cmd"])
            assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
            assert migrate["image"] == stack["services"]["app"]["image"]
        assert prod["services"]["migrate"]["restart"] == "no"
        assert prod["services"]["migrate"]["read_only"] is True
        for name, service in prod["services"].items():
            assert "healthcheck" in service, f"prod service {name} has no healthcheck"
            assert not any("PASSWORD" in key and not key.endswith("_FILE") for key in service.get("environment", {}))
            assert [secret["source"] for secret in service["secrets"]] == ["db_password"]
        assert prod["services"]["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"


@pytest.mark.parametrize("axes", [pytest.param({"app_kind": kind}, id=kind) for kind in ("fastapi", "flask", "job")])
def test_kubernetes_manifests_validate_and_meet_restricted(full_project, axes):
    project = full_project(**axes, schedule="*/30 2-4 * * MON-FRI")
    manifests = sorted((project.path / "k8s").glob("*.yaml"))
    assert manifests
    result = tool("kubernetes-validate", "--strict", *map(str, manifests), cwd=project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in manifests:
        document = yaml.safe_load(path.read_text())
        if document["kind"] not in ("Deployment", "CronJob"):
            continue
        pod = (
            document["spec"]["template"]["spec"]
            if document["kind"] == "Deployment"
            else document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        )
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        for container in pod["containers"] + pod.get("initContainers", []):
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"] and container["resources"]["limits"]
        if document["kind"] == "Deployment":
            container = pod["containers"][0]
            assert container["livenessProbe"]["httpGet"]["path"] == "/health"
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
            # The schema is migrated before the app container starts, with the app's own image and Secret.
            [migrate] = pod["initContainers"]
            assert migrate["command"][-1] == "migrate" and migrate["image"] == container["image"]
            assert {mount["name"] for mount in migrate["volumeMounts"]} == {"tmp", "database"}
        else:
            assert document["spec"]["schedule"] == "*/30 2-4 * * MON-FRI"
            assert document["spec"]["concurrencyPolicy"] == "Forbid"
            job = document["spec"]["jobTemplate"]["spec"]
            assert job["backoffLimit"] >= 0 and job["activeDeadlineSeconds"] > 0


@pytest.mark.parametrize("axes", matrix("app_kind", "package_manager"))
def test_workflows_pass_actionlint_and_zizmor(full_project, axes):
    project = full_project(**axes)
    workflow = ".github/workflows/ci.yml"
    result = tool("actionlint", "-no-color", workflow, cwd=project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    result = tool("zizmor", "--offline", "--persona", "pedantic", "--no-progress", workflow, cwd=project.path)
    assert result.returncode == 0, result.stdout + result.stderr
    dependabot = yaml.safe_load(project.read(".github/dependabot.yml"))
    ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
    uses_postgres = axes["app_kind"] in WEB_KINDS  # with_postgres defaults to yes
    compose = {"docker-compose"} if uses_postgres else set()
    assert ecosystems == {axes["package_manager"], "docker", "github-actions", *compose}
    ignored = {
        update["package-ecosystem"]: [rule["dependency-name"] for rule in update.get("ignore", [])]
        for update in dependabot["updates"]
    }
    # Never a PR that changes the interpreter or the database major behind the answers' back.
    assert ignored["docker"] == ["python"]
    assert ignored.get("docker-compose", ["postgres"]) == ["postgres"]


@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_generated_python_is_ruff_clean(render, axes):
    project = render(**axes)
    for args in (["check", "--no-cache", "."], ["format", "--no-cache", "--check", "."]):
        result = tool("ruff", *args, cwd=project.path)
        assert result.returncode == 0, result.stdout + result.stderr


# Files a developer keeps in a project that must never reach an image, each with what it is.
PRIVATE_FILES = {
    ".env": "local settings",
    ".env.production": "another environment's settings",
    ".netrc": "registry credentials",
    "server.key": "a TLS key",
    "tls/cert.pem": "a certificate and key",
    "secrets/db_password.txt": "the compose secret",
    "data/notes.db": "local data",
    ".venv/bin/python": "the host's environment",
    "src/{package}/.env": "settings beside the code",
}


def plant_private_files(project: Rendered) -> list[str]:
    package = yaml.safe_load(project.read(".copier-answers.yml"))["package_name"]
    planted = [name.format(package=package) for name in PRIVATE_FILES]
    for name in planted:
        (project.path / name).parent.mkdir(parents=True, exist_ok=True)
        (project.path / name).write_text("private\n")
    return planted


@pytest.mark.docker
@pytest.mark.parametrize("axes", matrix("package_manager"))
def test_build_context_holds_what_the_images_need_and_no_secret(render, axes, tmp_path):
    project = render(**axes, app_kind="fastapi")
    planted = plant_private_files(project)
    # What the engine receives as the context, copied out whole: .dockerignore decides it.
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    out = tmp_path / "context"
    command = [engine.docker_cli(), "build", "--file", str(tmp_path / "Dockerfile"), f"--output=type=local,dest={out}"]
    result = subprocess.run(
        [*command, str(project.path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    held = {str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()}
    assert not set(planted) & held, f"private files in the build context: {sorted(set(planted) & held)}"
    package = yaml.safe_load(project.read(".copier-answers.yml"))["package_name"]
    needed = {"pyproject.toml", "README.md", ".python-version", f"src/{package}/__init__.py", "tests/test_app.py"}
    needed |= set(context.lock_files(axes["package_manager"]))
    assert needed <= held, f"missing from the build context: {sorted(needed - held)}"
    assert not any(name.startswith((".git/", ".github/", "k8s/", ".devcontainer/")) for name in held), sorted(held)
