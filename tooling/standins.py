"""Make every image the generated projects name available on the local engine.

Each image is first pulled. Only when the pull fails (no registry answers) is a local stand-in
built under the same name, offering the official image's interface. Stand-ins are cached: an
image already on the engine is reused. Run `python -m tooling.standins` to make them all.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from extensions import context
from tooling import engine
from tooling.answers import choices
from tooling.engine import HOST_CA_BUNDLE, docker_cli

# The Dockerfiles and entrypoint the stand-ins are built from.
HERE = Path(__file__).resolve().parent / "images"

DEBIAN_MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
STANDIN_LABEL = "org.copier-pycontainer.standin"
# Interpreters no source build here provides, from the Debian suite that ships them.
DEBIAN_PYTHON_SUITE = {"3.14": "sid", "3.15": "sid"}
PYENV_ROOT_SUITE = "bookworm"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
POSTGRES_SUITE = {15: "bookworm", 17: "trixie", 18: "sid"}
ROOT_PACKAGES = {
    # What a source-built CPython links against, as seen with ldd on its extension modules.
    "bookworm": "ca-certificates,netbase,tzdata,libssl3,libffi8,libsqlite3-0,liblzma5,libbz2-1.0,"
    "libreadline8,libuuid1,zlib1g,libncursesw6,libexpat1,libnsl2,libtirpc3,libcrypt1",
    "trixie": "ca-certificates,netbase,tzdata",
    "sid": "ca-certificates,netbase,tzdata",
}
# Base flavours no stand-in can be made for here: their images come from a registry or not at all.
NO_STANDIN_FLAVOURS = ("alpine",)
ALPINE_REASON = "no python:*-alpine image can be pulled and Alpine's package repositories are not reachable"


@dataclass
class Outcome:
    image: str
    source: str  # present | pulled | stand-in | unavailable
    detail: str = ""
    seconds: float = 0.0


def docker(*args: str, check: bool = True, capture: bool = False, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    return subprocess.run(
        [docker_cli(), *args],
        check=check,
        text=True,
        env=env,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.STDOUT if capture else None,
        **kwargs,
    )


def image_exists(ref: str) -> bool:
    return docker("image", "inspect", ref, check=False, capture=True).returncode == 0


def try_pull(ref: str) -> tuple[bool, str]:
    result = docker("pull", "--quiet", ref, check=False, capture=True)
    return result.returncode == 0, result.stdout.strip().splitlines()[-1] if result.stdout else ""


def debian_root(suite: str) -> str:
    """A minimal Debian root file system made with debootstrap, imported as an image."""
    ref = f"copier-pycontainer/debian:{suite}"
    if image_exists(ref):
        return ref
    if not shutil.which("debootstrap"):
        raise RuntimeError("debootstrap is needed to make stand-in images: apt-get install debootstrap")
    with tempfile.TemporaryDirectory(prefix=f"root-{suite}-") as root:
        subprocess.run(
            ["debootstrap", "--variant=minbase", f"--include={ROOT_PACKAGES[suite]}", suite, root, DEBIAN_MIRROR],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(["sh", "-c", f"rm -rf {root}/var/lib/apt/lists/* {root}/var/cache/apt/*.bin"], check=True)
        # The mirror may serve a dated snapshot whose Release files have passed their Valid-Until.
        Path(root, "etc/apt/apt.conf.d/99snapshot-mirror").write_text('Acquire::Check-Valid-Until "false";\n')
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        docker("import", "--change", 'CMD ["bash"]', "-", ref, stdin=tar.stdout, capture=True)
        if tar.wait() != 0:
            raise RuntimeError(f"tar of the {suite} root failed")
    return ref


def build(ref: str, dockerfile: str | Path, context_dir: Path, **build_args: str) -> None:
    """A stand-in from one of images/ (or another) Dockerfile, through the suite's one build wrapper."""
    engine.build(
        context_dir, ref, target=None, build_args=build_args, dockerfile=HERE / dockerfile, label=STANDIN_LABEL
    )


def with_build_tools(root: str) -> str:
    ref = root.replace("debian:", "debian-build-tools:")
    if not image_exists(ref):
        with tempfile.TemporaryDirectory() as empty:
            build(ref, "build-tools.Dockerfile", Path(empty), ROOT_IMAGE=root)
    return ref


def copy_pyenv_python(prefix: Path, dest: Path) -> None:
    """The interpreter without its test suite, Tk, caches or third-party packages (pip stays)."""
    minor = ".".join(prefix.name.split(".")[:2])
    lib = f"lib/python{minor}"
    excludes = [
        f"./{lib}/test",
        f"./{lib}/idlelib",
        f"./{lib}/tkinter",
        f"./{lib}/turtledemo",
        f"./{lib}/lib-dynload/_tkinter*",
        "*/__pycache__",
        f"./{lib}/config-*/*.a",
        "./share",
    ]
    site = prefix / lib / "site-packages"
    excludes += [
        f"./{lib}/site-packages/{entry.name}"
        for entry in site.iterdir()
        if not entry.name.startswith(("pip", "README"))
    ]
    # Console scripts of whatever the host installed (uv among them) are not the interpreter's.
    excludes += [
        f"./bin/{entry.name}"
        for entry in (prefix / "bin").iterdir()
        if not entry.name.startswith(("python", "pip", "pydoc", "idle", "2to3"))
    ]
    tar_args = ["tar", "-C", str(prefix), "-c", *(f"--exclude={e}" for e in excludes), "."]
    dest.mkdir(parents=True)
    pack = subprocess.Popen(tar_args, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-C", str(dest), "-x"], stdin=pack.stdout, check=True)
    if pack.wait() != 0:
        raise RuntimeError(f"copying {prefix} failed")


def pyenv_prefix(minor: str) -> Path | None:
    found = sorted(
        glob.glob(str(PYENV_VERSIONS / f"{minor}.*")),
        key=lambda p: [int(x) for x in Path(p).name.split(".") if x.isdigit()],
    )
    return Path(found[-1]) if found else None


def build_python(ref: str, minor: str, flavour: str) -> str:
    prefix = pyenv_prefix(minor)
    if prefix is None and minor not in DEBIAN_PYTHON_SUITE:
        raise LookupError(
            f"no Debian suite reachable here ships Python {minor} and no source build is under {PYENV_VERSIONS}"
        )
    suite = PYENV_ROOT_SUITE if prefix else DEBIAN_PYTHON_SUITE[minor]
    root = debian_root(suite)
    if flavour == "full":
        root = with_build_tools(root)
    with tempfile.TemporaryDirectory(prefix="python-standin-") as tmp:
        ctx = Path(tmp)
        shutil.copy(HOST_CA_BUNDLE, ctx / "ca-certificates.crt")
        if prefix:
            copy_pyenv_python(prefix, ctx / "python")
            build(
                ref,
                "python-pyenv.Dockerfile",
                ctx,
                ROOT_IMAGE=root,
                PYTHON_PREFIX=str(prefix),
                PYTHON_FULL_VERSION=prefix.name,
                PYTHON_MINOR=minor,
            )
            return f"source-built CPython {prefix.name} on Debian {suite}"
        extra = f"python{minor}-dev" if flavour == "full" else ""
        build(ref, "python-debian.Dockerfile", ctx, ROOT_IMAGE=root, PYTHON_MINOR=minor, EXTRA_PACKAGES=extra)
        probe = "import platform; print(platform.python_version())"
        release = docker("run", "--rm", ref, "python3", "-c", probe, capture=True).stdout.strip()
        # The official images name their exact release in PYTHON_VERSION; it is known only once installed.
        set_env(ref, "PYTHON_VERSION", release)
        return f"Debian {suite} python{minor} ({release})"


def set_env(ref: str, name: str, value: str) -> None:
    """Give an image one more environment variable, keeping its name and labels."""
    with tempfile.TemporaryDirectory() as context_dir:
        dockerfile = Path(context_dir) / "Dockerfile"
        dockerfile.write_text(f"FROM {ref}\nENV {name}={value}\n")
        build(ref, dockerfile, Path(context_dir))


def build_uv(ref: str, version: str) -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is needed to fetch the uv wheel for its stand-in image")
    with tempfile.TemporaryDirectory(prefix="uv-standin-") as tmp:
        ctx = Path(tmp)
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(ctx / "wheel"),
                "--python-platform",
                "x86_64-unknown-linux-musl",
                f"uv=={version}",
            ],
            check=True,
        )
        for name in ("uv", "uvx"):
            shutil.copy(ctx / "wheel" / "bin" / name, ctx / name)
            (ctx / name).chmod(0o755)
        build(ref, "uv.Dockerfile", ctx)
    return f"uv {version} static (musl) binaries from PyPI's wheel, as in the official image"


def postgres_pgdata(major: int) -> str:
    """The official image's PGDATA: 18 moved the cluster into a per-major directory of its volume."""
    return f"/var/lib/postgresql/{major}/docker" if major >= 18 else "/var/lib/postgresql/data"


def build_postgres(ref: str, major: int) -> str:
    suite = POSTGRES_SUITE[major]
    root = debian_root(suite)
    build(
        ref,
        "postgres.Dockerfile",
        HERE,
        ROOT_IMAGE=root,
        PG_MAJOR=str(major),
        PGDATA_PATH=postgres_pgdata(major),
        VOLUME_PATH=context.postgres_data_path(major),
    )
    return f"Debian {suite} postgresql-{major}"


def wanted() -> list[tuple[str, object]]:
    """(image reference, builder) for every image a generated project can name."""
    items: list[tuple[str, object]] = []
    for flavour in choices("base_flavour"):
        for version in choices("python_version"):
            ref = context.base_image(version, flavour)
            if flavour in NO_STANDIN_FLAVOURS:
                items.append((ref, None))
            else:
                items.append((ref, lambda r=ref, v=version, f=flavour: build_python(r, v, f)))
    items.append((context.uv_image(), lambda: build_uv(context.uv_image(), context.UV_VERSION)))
    for major in map(int, choices("postgres_major")):
        items.append((context.postgres_image(major), lambda m=major: build_postgres(context.postgres_image(m), m)))
    return items


def ensure(ref: str, builder) -> Outcome:
    start = time.monotonic()
    if image_exists(ref):
        labels = (
            json.loads(docker("image", "inspect", "--format", "{{json .Config.Labels}}", ref, capture=True).stdout)
            or {}
        )
        return Outcome(ref, "present", "stand-in" if STANDIN_LABEL in labels else "registry image")
    pulled, message = try_pull(ref)
    if pulled:
        return Outcome(ref, "pulled", message, time.monotonic() - start)
    if builder is None:
        return Outcome(ref, "unavailable", ALPINE_REASON)
    try:
        detail = builder()
    except LookupError as exc:
        return Outcome(ref, "unavailable", str(exc))
    return Outcome(ref, "stand-in", detail, time.monotonic() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="*", help="only these references (default: every one a project can name)")
    args = parser.parse_args(argv)
    outcomes = []
    for ref, builder in wanted():
        if args.images and ref not in args.images:
            continue
        outcome = ensure(ref, builder)
        outcomes.append(outcome)
        print(f"{outcome.image:40} {outcome.source:12} {outcome.seconds:6.1f}s  {outcome.detail}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
