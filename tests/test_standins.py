"""The images the projects name offer the official images' interface, stand-in or pulled alike."""

from __future__ import annotations

import time

import docker.errors
import pytest

from extensions import context
from tooling import containers, engine
from tooling.answers import choices
from tooling.standins import postgres_pgdata

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def client():
    return engine.engine()


def available(client, reference: str) -> None:
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        pytest.skip(f"{reference} is not on this engine")


def shell(client, image: str, script: str, **options) -> str:
    return client.containers.run(
        image, ["sh", "-c", script], remove=True, labels={engine.LABEL: "true"}, **options
    ).decode()


@pytest.mark.parametrize("flavour", [flavour for flavour in choices("base_flavour") if flavour != "alpine"])
@pytest.mark.parametrize("version", choices("python_version"))
def test_python_image_interface(client, version, flavour):
    image = context.base_image(version, flavour)
    available(client, image)
    script = (
        "for t in python python3 pip; do command -v $t; done; python --version; pip --version; echo LANG=$LANG; "
        "python -m venv /tmp/venv && /tmp/venv/bin/python -c 'import ssl, sqlite3, ctypes, venv; print(\"ok\")'"
    )
    out = shell(client, image, script, user="4242:4242")
    lines = out.splitlines()
    assert lines[:3] == ["/usr/local/bin/python", "/usr/local/bin/python3", "/usr/local/bin/pip"]
    assert lines[3].startswith(f"Python {version}.")
    assert f"(python {version})" in lines[4]
    assert "LANG=C.UTF-8" in lines
    assert lines[-1] == "ok"
    environment = dict(item.split("=", 1) for item in client.images.get(image).attrs["Config"]["Env"])
    assert environment["PYTHON_VERSION"].startswith(f"{version}."), "the Dockerfile's python.version label reads it"
    compilers = shell(client, image, "command -v gcc || true").strip()
    assert bool(compilers) == (flavour == "full")


def test_uv_image_interface(client):
    image = context.uv_image()
    available(client, image)
    version = client.containers.run(image, ["--version"], remove=True).decode()
    assert version.startswith(f"uv {context.UV_VERSION}")
    uvx = client.containers.run(image, ["--version"], entrypoint=["/uvx"], remove=True).decode()
    assert context.UV_VERSION in uvx


def wait_ready(container, user: str, database: str) -> None:
    containers.wait_for(
        lambda: container.exec_run(["pg_isready", "-U", user, "-d", database]).exit_code == 0,
        60,
        what="pg_isready",
        container=container,
    )


def psql(container, user: str, database: str, sql: str) -> str:
    result = container.exec_run(["psql", "-U", user, "-d", database, "-tAc", sql])
    assert result.exit_code == 0, result.output.decode()
    return result.output.decode().strip()


@pytest.mark.parametrize("major", [int(major) for major in choices("postgres_major")])
def test_postgres_image_interface(client, tmp_path, major):
    image = context.postgres_image(major)
    available(client, image)
    config = client.images.get(image).attrs["Config"]
    assert dict(item.split("=", 1) for item in config["Env"])["PGDATA"] == postgres_pgdata(major)
    assert list(config["Volumes"]) == [context.postgres_data_path(major)]
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "password").write_text("from-a-file\n")
    init = tmp_path / "init"
    init.mkdir()
    (init / "schema.sql").write_text("CREATE TABLE seeded (id int); INSERT INTO seeded VALUES (42);\n")
    volume = client.volumes.create(labels={engine.LABEL: "true"})
    mounts = {
        volume.name: {"bind": context.postgres_data_path(major), "mode": "rw"},
        str(secrets): {"bind": "/run/secrets", "mode": "ro"},
        str(init): {"bind": "/docker-entrypoint-initdb.d", "mode": "ro"},
    }
    environment = {"POSTGRES_USER": "owner", "POSTGRES_DB": "ledger", "POSTGRES_PASSWORD_FILE": "/run/secrets/password"}
    try:
        with engine.running(client, image, environment=environment, volumes=mounts) as db:
            wait_ready(db, "owner", "ledger")
            time.sleep(1)  # the entrypoint restarts the server once initialisation is done
            wait_ready(db, "owner", "ledger")
            assert psql(db, "owner", "ledger", "SELECT id FROM seeded") == "42"
            assert psql(db, "owner", "ledger", "SELECT current_user") == "owner"
            assert containers.process_uid(db) == 999
            assert "POSTGRES_PASSWORD=" not in " ".join(db.attrs["Config"]["Env"])
            password_check = db.exec_run(
                ["sh", "-c", "PGPASSWORD=from-a-file psql -h 127.0.0.1 -U owner -d ledger -tAc 'SELECT 1'"]
            )
            assert password_check.output.decode().strip() == "1"
        # A second start on the same data skips initialisation: the init script does not run again.
        (init / "schema.sql").write_text("CREATE TABLE second_run (id int);\n")
        with engine.running(client, image, environment={**environment, "POSTGRES_DB": "other"}, volumes=mounts) as db:
            wait_ready(db, "owner", "ledger")
            assert psql(db, "owner", "ledger", "SELECT count(*) FROM pg_tables WHERE tablename = 'second_run'") == "0"
            assert "Skipping initialization" in db.logs().decode()
    finally:
        volume.remove(force=True)


@pytest.mark.parametrize("old_mount", ["/var/lib/postgresql/data", "/var/lib/postgresql"])
def test_postgres_18_refuses_data_of_the_old_layout(client, old_mount):
    """A volume 17 initialised, mounted where 17 or 18 expects one, stops 18 instead of starting empty beside it."""
    old, new = context.postgres_image(17), context.postgres_image(18)
    available(client, old)
    available(client, new)
    volume = client.volumes.create(labels={engine.LABEL: "true"})
    environment = {"POSTGRES_PASSWORD": "secret"}
    try:
        with engine.running(
            client, old, environment=environment, volumes={volume.name: {"bind": "/var/lib/postgresql/data"}}
        ) as db:
            wait_ready(db, "postgres", "postgres")
            db.stop(timeout=20)
        code, _, stderr, _ = engine.run_to_exit(
            client, new, timeout=60, environment=environment, volumes={volume.name: {"bind": old_mount}}
        )
        assert code == 1, stderr
        assert "/var/lib/postgresql" in stderr and "PostgreSQL 17" in stderr, stderr
    finally:
        volume.remove(force=True)
