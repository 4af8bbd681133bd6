"""Development and production compose stacks against a real PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
from concurrent.futures import ThreadPoolExecutor

import pytest

from extensions import context
from extensions.model import commands
from tooling import containers, engine, tools
from tooling.journeys import Journey, readme_steps
from tooling.project import Rendered, commit_all, recorded_answers
from tooling.release import copy_release, first_release, relock, update_to_working_tree

pytestmark = pytest.mark.docker

# Both web kinds, and both package managers between them; each on its own port (journeys hold 181xx,
# compose watch 183xx) and names.
STACKS = [
    pytest.param({"app_kind": "fastapi", "package_manager": "uv", "port": "18201"}, id="fastapi-uv"),
    pytest.param({"app_kind": "flask", "package_manager": "pip", "port": "18202"}, id="flask-pip"),
]


@pytest.fixture(scope="module")
def client():
    return engine.engine()


def compose(project: Rendered, name: str, file: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = tools.compose("-p", name, "-f", file, *args, cwd=project.path)
    if check and result.returncode != 0:
        logs = tools.compose("-p", name, "-f", file, "logs", "--no-color", cwd=project.path).stdout
        raise AssertionError(f"compose {' '.join(args)} failed:\n{result.stderr}\n--- logs ---\n{logs[-5000:]}")
    return result


def project_resources(client, name: str) -> dict[str, list[str]]:
    label = {"label": f"com.docker.compose.project={name}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=label)],
        "volumes": [v.name for v in client.volumes.list(filters=label)],
        "networks": [n.name for n in client.networks.list(filters=label)],
    }


def post_status(port: int, body: str) -> int:
    try:
        return containers.http_post(port, "/notes", {"body": body}, timeout=30)[0]
    except urllib.error.HTTPError as error:
        return error.code


def check_logs(project: Rendered, name: str, file: str) -> None:
    """Every line of every service is JSON without terminal colours, and nothing started with an error."""
    for service in ("migrate", "app"):
        output = compose(project, name, file, "logs", "--no-color", "--no-log-prefix", service).stdout
        lines = [line for line in output.splitlines() if line.strip()]
        assert lines, f"{service} logged nothing"
        for line in lines:
            assert "\x1b" not in line and "\\u001b" not in line, line
            entry = json.loads(line)
            assert entry["level"] != "error", line
            assert entry.get("path") not in ("/health", "/ready"), f"a probe was access-logged: {line}"
    access = [json.loads(line) for line in output.splitlines() if '"path": "/notes"' in line]
    assert access and all(entry["request_id"] and entry["status"] for entry in access), output[-2000:]


def exercise_stack(client, project: Rendered, file: str, name: str, port: int) -> None:
    try:
        compose(project, name, file, "up", "--no-build", "--wait", "--wait-timeout", "180")
        assert containers.http_get(port, "/ready") == (200, {"status": "ready", "database": "postgresql"})
        # First writes on a fresh database, all at once: the schema is there before the first request.
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(lambda n: post_status(port, f"first write {n}"), range(80)))
        assert statuses == [201] * 80, {status: statuses.count(status) for status in set(statuses)}
        status, note = containers.http_post(port, "/notes", {"body": f"kept across restarts by {file}"})
        assert status == 201
        check_logs(project, name, file)
        compose(project, name, file, "down")
        compose(project, name, file, "up", "--no-build", "--wait", "--wait-timeout", "180")
        status, page = containers.http_get(port, "/notes?limit=200")
        assert status == 200 and note in page["notes"], f"the note written before down/up is gone: {page}"
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
    secret_file, _ = engine.secret_with_marker(tmp_path)
    engine.build(project.path, f"{slug}:dev", target="dev", secret_file=secret_file)
    engine.build(project.path, f"{slug}:latest", target="runtime", secret_file=secret_file)
    (project.path / "secrets").mkdir()
    (project.path / "secrets" / "db_password.txt").write_text("Correct-Horse-Battery-Staple-42\n")
    port = int(answers["port"])
    exercise_stack(client, project, "compose.yaml", f"{slug}-dev", port)
    exercise_stack(client, project, "compose.prod.yaml", f"{slug}-prod", port)
    for tag in (f"{slug}:dev", f"{slug}:latest"):
        client.images.remove(tag, force=True)


@pytest.mark.network
@pytest.mark.parametrize("answers", STACKS)
def test_project_tests_pass_against_a_real_postgres(client, render, answers, user_environment):
    """The project's own tests, on the host, against the postgres image the compose files name."""
    project = render(**answers, with_postgres=True, python_version=f"{sys.version_info.major}.{sys.version_info.minor}")
    password = "Test-Only-Password-1"
    environment = {"POSTGRES_USER": "app", "POSTGRES_PASSWORD": password, "POSTGRES_DB": "app"}
    with engine.running(
        client, context.postgres_image(), environment=environment, ports={"5432/tcp": ("127.0.0.1", None)}
    ) as database:
        containers.wait_for(
            lambda: database.exec_run(["pg_isready", "-U", "app", "-h", "127.0.0.1"]).exit_code == 0,
            60,
            what="PostgreSQL",
            container=database,
        )
        url = f"postgresql://app:{password}@127.0.0.1:{containers.published_port(database, 5432)}/app"
        env = {**user_environment, "TEST_DATABASE_URL": url}
        # The README's own set-up and test commands, for the Python the project was rendered with.
        host_python = f"{sys.version_info.major}.{sys.version_info.minor}"
        setup = commands.setup_command(answers["package_manager"], host_python)
        tests = f"{commands.tests_command(answers['package_manager'])} -v"
        for command in (setup, tests):
            result = subprocess.run(
                command, shell=True, cwd=project.path, env=env, capture_output=True, text=True, timeout=900
            )
            assert result.returncode == 0, f"{command}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    on_postgres = [line for line in result.stdout.splitlines() if "[postgresql" in line]
    assert on_postgres and all("PASSED" in line for line in on_postgres), result.stdout[-4000:]
    assert "SKIPPED" not in result.stdout, result.stdout[-4000:]


@pytest.mark.network
def test_moving_postgresql_17_to_18_keeps_the_notes(client, committed_template, user_environment, tmp_path):
    """A project from 0.1.0 runs 17; its README's move, run verbatim, brings the notes to 18's new volume."""
    slug = "major-move"
    project = copy_release(
        committed_template,
        tmp_path / slug,
        first_release(),
        app_kind="fastapi",
        package_manager="pip",
        project_slug=slug,
        port="18221",
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
        status, note = containers.http_post(18221, "/notes", {"body": "written under PostgreSQL 17"})
        assert status == 201
        Journey(project, user_environment).run_all(move)
        assert recorded_answers(project)["postgres_major"] == "18"
        status, page = containers.http_get(18221, "/notes")
        assert (status, page["notes"]) == (200, [note]), page
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
