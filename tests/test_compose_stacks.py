"""Development and production compose stacks against a real PostgreSQL."""

from __future__ import annotations

import subprocess

import pytest

from tests import harness
from tests.conftest import Rendered

pytestmark = pytest.mark.docker

# Both web kinds, and both package managers between them; each on its own port and names.
STACKS = [
    pytest.param({"app_kind": "fastapi", "package_manager": "uv", "port": "18101"}, id="fastapi-uv"),
    pytest.param({"app_kind": "flask", "package_manager": "pip", "port": "18102"}, id="flask-pip"),
]


@pytest.fixture(scope="module")
def client():
    return harness.engine()


def compose(project: Rendered, name: str, file: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = harness.compose("-p", name, "-f", file, *args, cwd=project.path)
    if check and result.returncode != 0:
        logs = harness.compose("-p", name, "-f", file, "logs", "--no-color", cwd=project.path).stdout
        raise AssertionError(f"compose {' '.join(args)} failed:\n{result.stderr}\n--- logs ---\n{logs[-5000:]}")
    return result


def project_resources(client, name: str) -> dict[str, list[str]]:
    label = {"label": f"com.docker.compose.project={name}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=label)],
        "volumes": [v.name for v in client.volumes.list(filters=label)],
        "networks": [n.name for n in client.networks.list(filters=label)],
    }


def exercise_stack(client, project: Rendered, file: str, name: str, port: int) -> None:
    try:
        compose(project, name, file, "up", "--no-build", "--wait", "--wait-timeout", "180")
        assert harness.http_get(port, "/ready") == (200, {"status": "ready", "database": "postgresql"})
        status, note = harness.http_post(port, "/notes", {"body": f"kept across restarts by {file}"})
        assert status == 201
        compose(project, name, file, "down")
        compose(project, name, file, "up", "--no-build", "--wait", "--wait-timeout", "180")
        status, notes = harness.http_get(port, "/notes")
        assert status == 200 and note in notes, f"the note written before down/up is gone: {notes}"
        if file == "compose.prod.yaml":
            secret = (project.path / "secrets" / "db_password.txt").read_text().strip()
            for container in client.containers.list(filters={"label": f"com.docker.compose.project={name}"}):
                environment = container.attrs["Config"]["Env"]
                assert not any(secret in variable for variable in environment), f"{container.name} env holds it"
                assert not any(v.split("=")[0] in {"POSTGRES_PASSWORD", "DATABASE_PASSWORD"} for v in environment)
    finally:
        compose(project, name, file, "down", "-v", "--remove-orphans", check=False)
    assert project_resources(client, name) == {"containers": [], "volumes": [], "networks": []}


@pytest.mark.parametrize("answers", STACKS)
def test_dev_and_prod_stacks_reach_healthy_against_postgres(client, render, tmp_path, answers):
    slug = f"stack-{answers['app_kind']}-{answers['package_manager']}"
    project = render(slug, **answers, project_slug=slug, with_postgres=True)
    secret_file, _ = harness.secret_with_marker(tmp_path)
    harness.build(project.path, f"{slug}:dev", target="dev", secret_file=secret_file)
    harness.build(project.path, f"{slug}:latest", target="runtime", secret_file=secret_file)
    (project.path / "secrets").mkdir()
    (project.path / "secrets" / "db_password.txt").write_text("Correct-Horse-Battery-Staple-42\n")
    port = int(answers["port"])
    exercise_stack(client, project, "compose.yaml", f"{slug}-dev", port)
    exercise_stack(client, project, "compose.prod.yaml", f"{slug}-prod", port)
    for tag in (f"{slug}:dev", f"{slug}:latest"):
        client.images.remove(tag, force=True)
