"""The images a project builds on and runs beside: Python by version, flavour and digest, uv, PostgreSQL."""

from __future__ import annotations

from .versions import UV_VERSION

# The PostgreSQL major a new project's compose files run; a project keeps the one it records.
POSTGRES_MAJOR = 18
# The port PostgreSQL listens on: the compose database and the one a cluster deployment reaches.
DATABASE_PORT = 5432


def base_image(python_version: str, base_flavour: str, base_image_digest: str = "") -> str:
    """The official Python image a project builds on, pinned by digest when one is given."""
    suffix = {"slim": "-slim", "full": "", "alpine": "-alpine"}[base_flavour]
    reference = f"python:{python_version}{suffix}"
    return f"{reference}@{base_image_digest}" if base_image_digest else reference


def base_image_from(python_version: str, base_flavour: str, base_image_digest: str = "") -> str:
    """The reference a FROM line uses: literal, since Dependabot updates no `FROM image:${ARG}`."""
    return base_image(python_version, base_flavour, base_image_digest)


def runtime_flavour(base_flavour: str) -> str:
    """The flavour the runtime stage runs on: compilers of the full image stay in the build stages."""
    return "slim" if base_flavour == "full" else base_flavour


def site_packages(python_version: str) -> str:
    """Where the image's virtual environment keeps packages: the runtime copies the project's source there."""
    return f"/opt/venv/lib/python{python_version}/site-packages"


def uv_image(version: str = UV_VERSION) -> str:
    return f"ghcr.io/astral-sh/uv:{version}"


def uv_build_range(version: str = UV_VERSION) -> str:
    """uv_build of the same minor release as the pinned uv; the next minor may change the backend."""
    major, minor, _ = version.split(".")
    return f">={major}.{minor},<{major}.{int(minor) + 1}"


def postgres_image(major: int = POSTGRES_MAJOR) -> str:
    return f"postgres:{major}"


def postgres_data_path(major: int = POSTGRES_MAJOR) -> str:
    """Where the official postgres image keeps its cluster: 18 moved it to a versioned subdirectory."""
    return "/var/lib/postgresql" if major >= 18 else "/var/lib/postgresql/data"


def postgres_volume(major: int = POSTGRES_MAJOR) -> str:
    """The compose volume of the cluster: from 18 on one per major, so a move starts empty and keeps the old one."""
    return "db-data" if major <= 17 else f"db-data-{major}"
