"""The image harness's checks, one function each, all given a variant's context; tests/test_images.py
names them, says which kinds run which, and records each outcome under its name."""

from __future__ import annotations

import json
import os
import time
import uuid
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from docker.models.containers import Container

from extensions import context
from tooling import containers, engine
from tooling.variants import VariantContext

# The uid of `engine.RESTRICTED`: any uid the image was not built for.
ANY_UID = int(engine.RESTRICTED["user"].split(":")[0])


# Every kind: the runtime image, then a source edit and the dev target.
def runtime_builds(ctx: VariantContext) -> None:
    ctx.image()


def labels(ctx: VariantContext) -> None:
    found = ctx.client.images.get(ctx.image()).attrs["Config"]["Labels"]
    axes = ctx.project.answers
    shipped = context.base_image(axes["python_version"], context.runtime_flavour(axes["base_flavour"]))
    assert found["org.opencontainers.image.base.name"] == shipped
    assert found["python.version"].startswith(f"{axes['python_version']}."), found["python.version"]


def no_leftovers(ctx: VariantContext) -> None:
    assert engine.image_leftovers(ctx.client, ctx.image()) == {}


def no_secret(ctx: VariantContext) -> None:
    assert engine.secret_traces(ctx.client, ctx.image(), ctx.marker) == []


def numeric_user(ctx: VariantContext) -> None:
    assert ctx.client.images.get(ctx.image()).attrs["Config"]["User"] == f"{ctx.uid}:{ctx.uid}"


def source_edit(ctx: VariantContext) -> None:
    ctx.image()  # built before the edit
    init = ctx.project.path / "src" / ctx.package / "__init__.py"
    edit = uuid.uuid4().hex  # new in every run: an edit built before would come from the cache
    init.write_text(init.read_text() + f"\nSOURCE_EDIT = '{edit}'\n")
    rebuilt = ctx.rebuild()
    # Within the runtime stage: its COPY of src/, and a WORKDIR after it if the kind has one.
    ran = [step.split(maxsplit=1)[0] + " " + step.split()[-1] for step in rebuilt.steps_ran]
    assert ran[:1] == ["runtime COPY"] and set(ran[1:]) <= {"runtime WORKDIR"}, rebuilt.steps_ran
    package = ctx.package
    probe = f"import importlib.metadata as m, {package}; print({package}.SOURCE_EDIT, m.version('{ctx.distribution}'))"
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), entrypoint=["python", "-c", probe])
    assert (code, out.split()) == (0, [edit, "0.1.0"]), err


def dev_builds(ctx: VariantContext) -> None:
    ctx.image("dev")


def dev_tests(ctx: VariantContext) -> None:
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image("dev"), command=["pytest", "-q"], timeout=300)
    assert code == 0, out[-3000:] + err[-2000:]


def _runs_as_answered_uid(ctx: VariantContext, container: Container) -> None:
    uid = ctx.report.uid = containers.process_uid(container)
    assert uid == ctx.uid and uid != 0, f"uid {uid}, answered {ctx.uid}"


def _quiet(container: Container) -> None:
    output = container.logs().decode()
    assert "Control server" not in output and '"level": "error"' not in output, output[-2000:]


# Web kinds: one container with the image's own probe, one under every restriction.
def _app(ctx: VariantContext, stack: ExitStack) -> Container:
    probe = ctx.client.images.get(ctx.image()).attrs["Config"]["Healthcheck"]
    # The image's own probe command, timeout and retries; polled every second instead of every ten.
    healthcheck = {**{key.lower(): value for key, value in probe.items()}, "interval": 1_000_000_000}
    healthcheck["start_period"] = healthcheck.pop("startperiod", 0)
    started = time.monotonic()
    ports = {f"{ctx.port}/tcp": ("127.0.0.1", None)}
    app = stack.enter_context(engine.running(ctx.client, ctx.image(), ports=ports, healthcheck=healthcheck))
    containers.wait_for(lambda: containers.health_status(app) == "healthy", 60, what="healthy", container=app)
    ctx.report.seconds_to_healthy = round(time.monotonic() - started, 2)
    return app


def _app_port(ctx: VariantContext) -> int:
    return containers.published_port(ctx.shared("app", _app), ctx.port)


def healthy(ctx: VariantContext) -> None:
    assert containers.health_status(ctx.shared("app", _app)) == "healthy"


def health_endpoint(ctx: VariantContext) -> None:
    assert containers.http_get(_app_port(ctx), "/health") == (200, {"status": "ok"})


def ready_endpoint(ctx: VariantContext) -> None:
    status, body = containers.http_get(_app_port(ctx), "/ready")
    assert status == 200, body
    assert body["status"] == "ready"


def json_logs(ctx: VariantContext) -> None:
    containers.http_get(_app_port(ctx), "/health")  # a request's lines among them, whichever checks ran before
    output = ctx.shared("app", _app).logs(stdout=True, stderr=False).decode()
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    for line in lines:
        json.loads(line)


def web_quiet(ctx: VariantContext) -> None:
    _quiet(ctx.shared("app", _app))


def web_uid(ctx: VariantContext) -> None:
    _runs_as_answered_uid(ctx, ctx.shared("app", _app))


def _stopped(ctx: VariantContext, key: str, container: Container) -> int:
    """`docker stop` the shared container `key` (ended whatever happens); its exit status, its seconds reported."""
    try:
        ctx.report.stop_seconds, status = containers.stopped_by_sigterm(container)
        return status
    finally:
        ctx.end(key)


def web_stop(ctx: VariantContext) -> None:
    assert _stopped(ctx, "app", ctx.shared("app", _app)) != containers.KILLED_EXIT


def _healthcheck_passes(ctx: VariantContext, container: Container) -> bool:
    return container.exec_run(["python", "-m", f"{ctx.package}.healthcheck"]).exit_code == 0


def _locked(ctx: VariantContext, stack: ExitStack) -> Container:
    locked = stack.enter_context(engine.running(ctx.client, ctx.image(), **engine.RESTRICTED))
    ready = partial(_healthcheck_passes, ctx, locked)
    containers.wait_for(ready, 60, what="health under restrictions", container=locked)
    return locked


def web_restricted(ctx: VariantContext) -> None:
    locked = ctx.shared("locked", _locked)
    assert _healthcheck_passes(ctx, locked)
    assert containers.process_uid(locked) == ANY_UID


def web_restricted_quiet(ctx: VariantContext) -> None:
    _quiet(ctx.shared("locked", _locked))


def web_restricted_stop(ctx: VariantContext) -> None:
    try:
        assert containers.stopped_by_sigterm(ctx.shared("locked", _locked))[1] != containers.KILLED_EXIT
    finally:
        ctx.end("locked")


def web_workers(ctx: VariantContext) -> None:
    probe = f"from {ctx.package}.settings import Settings; print(Settings.from_env().web_concurrency)"
    for cpus in (1, 2):
        quota = {"command": ["python", "-c", probe], "nano_cpus": cpus * 10**9}
        code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), **quota)
        assert (code, out.strip()) == (0, str(min(cpus, os.cpu_count() or 1))), err


# The command-line kind: a bind-mounted directory owned by the host's user, one waiting container.
def cli_help(ctx: VariantContext) -> None:
    code, out, _, ctx.report.seconds_to_exit = engine.run_to_exit(ctx.client, ctx.image())
    assert code == 0 and "summarise" in out


def _data(ctx: VariantContext) -> tuple[dict, str]:
    """A good and a broken input owned by an ordinary host user: the volume and the user to run as."""
    data = ctx.tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text("name,age\nada,36\ngrace,45\n")
    (data / "broken.json").write_text('[{"name": "ada"}, {not json')
    host_uid = os.getuid() or 1000  # a root-run harness plays an ordinary host user
    for path in (data, *data.iterdir()):
        os.chown(path, host_uid, host_uid)
    return {str(data): {"bind": "/data", "mode": "rw"}}, f"{host_uid}:{host_uid}"


def cli_bind_mount(ctx: VariantContext) -> None:
    mount, user = _data(ctx)
    command = ["summarise", "people.csv", "--format", "json"]
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), command=command, volumes=mount, user=user)
    assert code == 0, err
    assert json.loads(out)["rows"] == 2


def cli_bad_file(ctx: VariantContext) -> None:
    mount, user = _data(ctx)
    command = ["summarise", "broken.json"]
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), command=command, volumes=mount, user=user)
    assert code == 65 and "invalid JSON" in err and out == ""


def cli_restricted(ctx: VariantContext) -> None:
    mount, _ = _data(ctx)
    command = ["summarise", "people.csv"]
    code, _, err, _ = engine.run_to_exit(ctx.client, ctx.image(), command=command, volumes=mount, **engine.RESTRICTED)
    assert code == 0, err


def _waiting(ctx: VariantContext, stack: ExitStack) -> Container:
    command = ["summarise", "/dev/stdin", "--type", "csv"]
    waiting = stack.enter_context(engine.running(ctx.client, ctx.image(), command=command, stdin_open=True))
    containers.wait_for(lambda: containers.handles_sigterm(waiting), 30, what="a SIGTERM handler", container=waiting)
    return waiting


def cli_uid(ctx: VariantContext) -> None:
    _runs_as_answered_uid(ctx, ctx.shared("waiting", _waiting))


def cli_stop(ctx: VariantContext) -> None:
    assert _stopped(ctx, "waiting", ctx.shared("waiting", _waiting)) == context.SIGTERM_EXIT


# The scheduled job: single runs, then one run deleting old files slowly, stopped midway.
def _marked(ctx: VariantContext, name: str, owner: int) -> Path:
    """A directory to prune, marked as such for the job, owned by `owner`."""
    data = ctx.tmp_path / name
    data.mkdir()
    (data / ".prune-target").touch()
    for path in (data, *data.iterdir()):
        os.chown(path, owner, owner)
    return data


def _volume(data: Path) -> dict:
    return {str(data): {"bind": "/data", "mode": "rw"}}


def job_runs_once(ctx: VariantContext) -> None:
    volumes = _volume(_marked(ctx, "marked", ctx.uid))
    code, out, err, ctx.report.seconds_to_exit = engine.run_to_exit(ctx.client, ctx.image(), volumes=volumes)
    assert code == 0, out + err
    assert json.loads(out.splitlines()[-1])["message"] == "job finished"


def job_options(ctx: VariantContext) -> None:
    # The entrypoint is the job, so options reach it as they do the CLI's.
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), command=["--help"])
    assert code == 0 and "--dry-run" in out, out + err
    volumes = _volume(_marked(ctx, "dry-run", ctx.uid))
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), command=["--dry-run"], volumes=volumes)
    assert code == 0 and "would_delete" in out.splitlines()[-1], out + err


def job_failing_run(ctx: VariantContext) -> None:
    # No volume mounted: the image's own empty /data has no marker, and a missing volume must not pass.
    code, out, _, _ = engine.run_to_exit(ctx.client, ctx.image())
    assert code == 2 and "job misconfigured" in out and ".prune-target" in out


def job_restricted(ctx: VariantContext) -> None:
    volumes = _volume(_marked(ctx, "restricted", ANY_UID))
    code, out, err, _ = engine.run_to_exit(ctx.client, ctx.image(), volumes=volumes, **engine.RESTRICTED)
    assert code == 0, out + err


def _pruning(ctx: VariantContext, stack: ExitStack) -> tuple[Container, Path]:
    data = _marked(ctx, "old-files", ctx.uid)
    old = time.time() - 90 * 86400
    for index in range(20):
        path = data / f"old-{index}.log"
        path.write_text("x")
        os.utime(path, (old, old))
        os.chown(path, ctx.uid, ctx.uid)
    environment = {"JOB_THROTTLE_SECONDS": "1"}
    job = stack.enter_context(engine.running(ctx.client, ctx.image(), environment=environment, volumes=_volume(data)))
    containers.wait_for(lambda: b'"deleted"' in job.logs(), 30, what="the first deletion", container=job)
    return job, data


def job_uid(ctx: VariantContext) -> None:
    _runs_as_answered_uid(ctx, ctx.shared("pruning", _pruning)[0])


def job_stop(ctx: VariantContext) -> None:
    job, data = ctx.shared("pruning", _pruning)
    assert _stopped(ctx, "pruning", job) == context.SIGTERM_EXIT
    assert len(list(data.glob("old-*"))) > 0, "the stopped run still deleted every file"
