"""Build and run every generated variant on a real Docker engine.

Every variant is kind x package manager x Python version x base flavour. A variant whose base
image can be neither pulled nor made here is skipped, with the reason; no other is.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from pathlib import Path

import docker.errors
import pytest
import yaml

from extensions import context
from tooling import containers, engine, reports
from tooling.answers import WEB_KINDS, matrix
from tooling.standins import ALPINE_REASON

pytestmark = pytest.mark.docker

VARIANTS = matrix("app_kind", "package_manager", "python_version", "base_flavour")


@pytest.fixture(scope="session")
def client():
    return engine.engine()


@pytest.fixture(scope="session")
def build_secret(tmp_path_factory) -> tuple[Path, str]:
    return engine.secret_with_marker(tmp_path_factory.mktemp("secret"))


def missing_image(client, reference: str) -> str | None:
    """Why an image a variant needs cannot be had, or None when it is on the engine (pulled if need be)."""
    try:
        client.images.get(reference)
        return None
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(reference)
        return None
    except docker.errors.APIError:
        if "alpine" in reference:
            return f"{reference}: {ALPINE_REASON}"
        return f"{reference} cannot be pulled and no local stand-in was made (python -m tooling.standins)"


@pytest.fixture
def variant(request, client, render):
    """The rendered project, its report, and the images it needs; skipped when a base image is missing."""
    axes = request.param
    references = {
        context.base_image(axes["python_version"], axes["base_flavour"]),
        context.base_image(axes["python_version"], context.runtime_flavour(axes["base_flavour"])),
    }
    if axes["package_manager"] == "uv":
        references.add(context.uv_image())
    for reference in sorted(references):
        if reason := missing_image(client, reference):
            pytest.skip(reason)
    name = "-".join(str(value) for value in axes.values())
    project = render(name, **axes)
    report = reports.VariantReport(variant=name, answers=axes)
    yield project, report, f"copier-pycontainer-test/{name}"
    report.outcome = "passed" if all(value == "passed" for value in report.checks.values()) else "failed"
    report.write()
    for target in ("runtime", "dev"):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(f"copier-pycontainer-test/{name}:{target}", force=True)


def check_runtime_image(client, report, image: str, marker: str, app_uid: int):
    with report.check("runtime image holds no uv, package cache, compiler, apt lists or tests"):
        assert engine.image_leftovers(client, image) == {}
    with report.check("build secret absent from history, config and files"):
        assert engine.secret_traces(client, image, marker) == []
    with report.check("numeric non-root USER"):
        assert client.images.get(image).attrs["Config"]["User"] == f"{app_uid}:{app_uid}"


def check_web(client, report, project, image: str, port: int):
    probe = client.images.get(image).attrs["Config"]["Healthcheck"]
    # The image's own probe command, timeout and retries; polled every second instead of every ten.
    healthcheck = {**{key.lower(): value for key, value in probe.items()}, "interval": 1_000_000_000}
    healthcheck["start_period"] = healthcheck.pop("startperiod", 0)
    started = time.monotonic()
    with engine.running(client, image, ports={f"{port}/tcp": ("127.0.0.1", None)}, healthcheck=healthcheck) as app:
        with report.check("HEALTHCHECK reports healthy"):
            containers.wait_for(lambda: containers.health_status(app) == "healthy", 60, what="healthy", container=app)
        report.seconds_to_healthy = round(time.monotonic() - started, 2)
        host_port = containers.published_port(app, port)
        with report.check("/health answers 200"):
            assert containers.http_get(host_port, "/health") == (200, {"status": "ok"})
        with report.check("/ready answers"):
            status, body = containers.http_get(host_port, "/ready")
            assert status == 200, body
            assert body["status"] == "ready"
        with report.check("stdout logs are JSON"):
            lines = [line for line in app.logs(stdout=True, stderr=False).decode().splitlines() if line.strip()]
            assert lines
            for line in lines:
                json.loads(line)
        with report.check("nothing logged as an error at start (gunicorn's control socket is off)"):
            output = app.logs().decode()
            assert "Control server" not in output and '"level": "error"' not in output, output[-2000:]
        with report.check("runs as a numeric non-root uid"):
            report.uid = containers.process_uid(app)
            assert report.uid == int(project.answers.get("app_uid", 10001)) and report.uid != 0
        with report.check("docker stop ends it through its SIGTERM handler"):
            report.stop_seconds, status = containers.stopped_by_sigterm(app)
            assert status != containers.KILLED_EXIT
    with engine.running(client, image, **engine.RESTRICTED) as locked:
        with report.check("works read-only, no capabilities, no network, any --user"):
            package = project.answers.get("package_name", "sample_service")
            containers.wait_for(
                lambda: locked.exec_run(["python", "-m", f"{package}.healthcheck"]).exit_code == 0,
                60,
                what="health under restrictions",
                container=locked,
            )
            assert containers.process_uid(locked) == 54321
        with report.check("nothing logged as an error under restrictions"):
            output = locked.logs().decode()
            assert "Control server" not in output and '"level": "error"' not in output, output[-2000:]
        with report.check("docker stop ends it through its SIGTERM handler under restrictions"):
            assert containers.stopped_by_sigterm(locked)[1] != containers.KILLED_EXIT
    with report.check("one worker per CPU of the container's quota, not of the host"):
        probe = f"from {package}.settings import Settings; print(Settings.from_env().web_concurrency)"
        for cpus in (1, 2):
            quota = {"command": ["python", "-c", probe], "nano_cpus": cpus * 10**9}
            code, out, err, _ = engine.run_to_exit(client, image, **quota)
            assert (code, out.strip()) == (0, str(min(cpus, os.cpu_count() or 1))), err


def check_cli(client, report, project, image: str, tmp_path: Path):
    with report.check("--help exits 0"):
        code, out, _, report.seconds_to_exit = engine.run_to_exit(client, image)
        assert code == 0 and "summarise" in out
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text("name,age\nada,36\ngrace,45\n")
    (data / "broken.json").write_text("{not json")
    host_uid = os.getuid() or 1000  # a root-run harness plays an ordinary host user
    for path in (data, *data.iterdir()):
        os.chown(path, host_uid, host_uid)
    mount = {str(data): {"bind": "/data", "mode": "rw"}}
    user = f"{host_uid}:{host_uid}"
    with report.check("processes a bind-mounted file as the host's uid"):
        code, out, err, _ = engine.run_to_exit(
            client, image, command=["summarise", "people.csv", "--format", "json"], volumes=mount, user=user
        )
        assert code == 0, err
        assert json.loads(out)["rows"] == 2
    with report.check("bad file: clear message on stderr and non-zero exit"):
        code, out, err, _ = engine.run_to_exit(
            client, image, command=["summarise", "broken.json"], volumes=mount, user=user
        )
        assert code == 65 and "invalid JSON" in err and out == ""
    with report.check("works read-only, no capabilities, no network, any --user"):
        code, out, err, _ = engine.run_to_exit(
            client, image, command=["summarise", "people.csv"], volumes=mount, **engine.RESTRICTED
        )
        assert code == 0, err
    with engine.running(
        client, image, command=["summarise", "/dev/stdin", "--type", "csv"], stdin_open=True
    ) as waiting:
        with report.check("runs as a numeric non-root uid"):
            containers.wait_for(
                lambda: containers.handles_sigterm(waiting), 30, what="a SIGTERM handler", container=waiting
            )
            report.uid = containers.process_uid(waiting)
            assert report.uid == 10001
        with report.check("docker stop ends it through its SIGTERM handler"):
            report.stop_seconds, status = containers.stopped_by_sigterm(waiting)
            assert status == context.SIGTERM_EXIT


def check_job(client, report, project, image: str, tmp_path: Path):
    with report.check("runs once and exits 0"):
        code, out, err, report.seconds_to_exit = engine.run_to_exit(client, image)
        assert code == 0, out + err
        assert json.loads(out.splitlines()[-1])["message"] == "job finished"
    with report.check("a failing run exits non-zero"):
        code, out, _, _ = engine.run_to_exit(client, image, environment={"PRUNE_DIR": "/nonexistent"})
        assert code == 2 and "job misconfigured" in out
    with report.check("works read-only, no capabilities, no network, any --user"):
        code, out, err, _ = engine.run_to_exit(client, image, **engine.RESTRICTED)
        assert code == 0, out + err
    data = tmp_path / "old-files"
    data.mkdir()
    old = time.time() - 90 * 86400
    for index in range(20):
        path = data / f"old-{index}.log"
        path.write_text("x")
        os.utime(path, (old, old))
    os.chown(data, 10001, 10001)
    with engine.running(
        client, image, environment={"JOB_THROTTLE_SECONDS": "1"}, volumes={str(data): {"bind": "/data", "mode": "rw"}}
    ) as job:
        containers.wait_for(lambda: b'"deleted"' in job.logs(), 30, what="the first deletion", container=job)
        with report.check("runs as a numeric non-root uid"):
            report.uid = containers.process_uid(job)
            assert report.uid == 10001
        with report.check("docker stop during a run ends it through its SIGTERM handler"):
            report.stop_seconds, status = containers.stopped_by_sigterm(job)
            assert status == context.SIGTERM_EXIT
    assert len(list(data.iterdir())) > 0, "the stopped run still deleted every file"


CHECKS = {"fastapi": check_web, "flask": check_web, "cli": check_cli, "job": check_job}


@pytest.mark.parametrize("variant", VARIANTS, indirect=True)
def test_variant_builds_and_runs(client, variant, build_secret, tmp_path):
    project, report, repository = variant
    secret_file, marker = build_secret
    kind = project.answers["app_kind"]
    runtime = f"{repository}:runtime"
    with report.check("runtime target builds"):
        built = engine.build(
            project.path, runtime, secret_file=secret_file, build_args={"APP_VERSION": "0.1.0", "VCS_REF": "test"}
        )
    report.build_seconds = round(built.seconds, 1)
    with report.check("labels name the base image the runtime FROM line uses and its Python release"):
        labels = client.images.get(runtime).attrs["Config"]["Labels"]
        axes = project.answers
        shipped = context.base_image(axes["python_version"], context.runtime_flavour(axes["base_flavour"]))
        assert labels["org.opencontainers.image.base.name"] == shipped
        assert labels["python.version"].startswith(f"{axes['python_version']}."), labels["python.version"]
    report.image_mb = engine.image_mb(client, runtime)
    check_runtime_image(client, report, runtime, marker, 10001)
    if kind in WEB_KINDS:
        check_web(client, report, project, runtime, 8000)
    else:
        CHECKS[kind](client, report, project, runtime, tmp_path)
    with report.check("a source edit re-runs only the runtime stage's source copy, and the image runs the edit"):
        recorded = yaml.safe_load(project.read(".copier-answers.yml"))
        package, distribution = recorded["package_name"], recorded["project_slug"]
        init = project.path / "src" / package / "__init__.py"
        edit = uuid.uuid4().hex  # new in every run: an edit built before would come from the cache
        init.write_text(init.read_text() + f"\nSOURCE_EDIT = '{edit}'\n")
        rebuilt = engine.build(
            project.path, runtime, secret_file=secret_file, build_args={"APP_VERSION": "0.1.0", "VCS_REF": "test"}
        )
        # Within the runtime stage: its COPY of src/, and a WORKDIR after it if the kind has one.
        ran = [step.split(maxsplit=1)[0] + " " + step.split()[-1] for step in rebuilt.steps_ran]
        assert ran[:1] == ["runtime COPY"] and set(ran[1:]) <= {"runtime WORKDIR"}, rebuilt.steps_ran
        probe = f"import importlib.metadata as m, {package}; print({package}.SOURCE_EDIT, m.version('{distribution}'))"
        code, out, err, _ = engine.run_to_exit(client, runtime, entrypoint=["python", "-c", probe])
        assert (code, out.split()) == (0, [edit, "0.1.0"]), err
    dev = f"{repository}:dev"
    with report.check("dev target builds"):
        engine.build(project.path, dev, target="dev", secret_file=secret_file)
    with report.check("project's own tests pass in the dev target"):
        code, out, err, _ = engine.run_to_exit(client, dev, command=["pytest", "-q"], timeout=300)
        assert code == 0, out[-3000:] + err[-2000:]
