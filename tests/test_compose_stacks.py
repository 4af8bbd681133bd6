"""Development and production compose stacks against a real PostgreSQL."""

from __future__ import annotations

import subprocess

import pytest

from tests import harness
from tests.conftest import Rendered
from tests.journeys import Journey, readme_steps
from tests.test_release_upgrade import commit_all, copy_release, recorded_answers, relock, update_to_working_tree

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


@pytest.mark.network
def test_moving_postgresql_17_to_18_keeps_the_notes(client, committed_template, user_environment, tmp_path):
    """A project from 0.1.0 runs 17; its README's move, run verbatim, brings the notes to 18's new volume."""
    slug = "major-move"
    project = copy_release(
        committed_template, tmp_path / slug, app_kind="fastapi", package_manager="pip", project_slug=slug, port="18121"
    )
    relock(project, update_to_working_tree(project))
    commit_all(project, "updated to the working tree, relocked")
    assert recorded_answers(project)["postgres_major"] == "17"
    readme = (project / "README.md").read_text()
    move = [step for step in readme_steps(readme) if step.origin == "README / PostgreSQL 17"]
    assert move and any("postgres_major=18" in step.command for step in move), readme
    stack = Rendered(project)
    try:
        compose(stack, f"{slug}-dev", "compose.yaml", "up", "--build", "--wait", "--wait-timeout", "180")
        status, note = harness.http_post(18121, "/notes", {"body": "written under PostgreSQL 17"})
        assert status == 201
        Journey(project, user_environment).run_all(move)
        assert recorded_answers(project)["postgres_major"] == "18"
        assert harness.http_get(18121, "/notes") == (200, [note])
        [db] = client.containers.list(filters={"label": f"com.docker.compose.project={slug}-dev", "name": "db"})
        assert db.image.tags == ["postgres:18"]
        volumes = {
            volume.name for volume in client.volumes.list(filters={"label": f"com.docker.compose.project={slug}-dev"})
        }
        assert volumes == {f"{slug}-dev_db-data", f"{slug}-dev_db-data-18"}, "the old volume must stay until removed"
    finally:
        compose(stack, f"{slug}-dev", "compose.yaml", "down", "-v", "--remove-orphans", "--rmi", "local", check=False)
        for volume in client.volumes.list(filters={"label": f"com.docker.compose.project={slug}-dev"}):
            volume.remove(force=True)
