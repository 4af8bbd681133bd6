"""One variant of the image harness on a real engine: its rendered project, the values its answers
give, its images (built once, shared by its checks), the containers several checks watch, its report."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import docker
import docker.errors
import pytest

from extensions import context
from tooling import engine, reports
from tooling.project import Rendered, recorded_answers
from tooling.standins import ALPINE_REASON

REPOSITORY = "copier-pycontainer-test"
# Tags carry this run's token: a run on the same engine neither replaces nor removes another's images.
RUN = uuid.uuid4().hex[:8]
BUILD_ARGS = {"APP_VERSION": "0.1.0", "VCS_REF": "test"}

T = TypeVar("T")


def variant_name(axes: dict[str, Any]) -> str:
    return "-".join(str(value) for value in axes.values())


def needed_images(axes: dict[str, Any]) -> list[str]:
    """The images a variant's build pulls: its build and runtime bases, and uv's image for uv."""
    references = {
        context.base_image(axes["python_version"], axes["base_flavour"]),
        context.base_image(axes["python_version"], context.runtime_flavour(axes["base_flavour"])),
    }
    if axes["package_manager"] == "uv":
        references.add(context.uv_image())
    return sorted(references)


def missing_image(client: docker.DockerClient, reference: str) -> str | None:
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


@dataclass
class VariantContext:
    """What every check of a variant is given: the engine, the rendered project, the report, the
    images (`image()`), what several checks watch (`shared()`), the uid, port, package and
    distribution its answers give, and the running check's own directory (`tmp_path`)."""

    client: docker.DockerClient
    name: str
    project: Rendered
    report: reports.VariantReport
    secret_file: Path
    marker: str
    uid: int
    port: int | None
    package: str
    distribution: str
    tmp_path: Path = Path()
    _made: dict[str, tuple[bool, Any]] = field(default_factory=dict)
    _stacks: dict[str, ExitStack] = field(default_factory=dict)

    def tag(self, target: str) -> str:
        return f"{REPOSITORY}/{self.name}:{target}-{RUN}"

    def image(self, target: str = "runtime") -> str:
        """The target's tag, built by the first check that needs it; the runtime's build records its
        seconds and size. A failed build fails every check that needs it, with the build's message."""

        def build() -> str:
            tag = self.tag(target)
            args = BUILD_ARGS if target == "runtime" else None
            built = engine.build(self.project.path, tag, target, secret_file=self.secret_file, build_args=args)
            if target == "runtime":
                self.report.build_seconds = round(built.seconds, 1)
                self.report.image_mb = engine.image_mb(self.client, tag)
            return tag

        return self._once(f"image {target}", build)

    def rebuild(self) -> engine.Build:
        """Build the runtime target again, from the project as it now is."""
        return engine.build(self.project.path, self.tag("runtime"), secret_file=self.secret_file, build_args=BUILD_ARGS)

    def shared(self, key: str, start: Callable[[VariantContext, ExitStack], T]) -> T:
        """What several checks watch (a running container): started by the first that asks, with what
        it enters on the stack ended by `end()` or when the variant closes. A failed start fails them all."""

        def begin() -> T:
            self._stacks[key] = ExitStack()
            return start(self, self._stacks[key])

        return self._once(key, begin)

    def end(self, key: str) -> None:
        """A check ended what it shared (it stopped the container): the next check to ask starts another."""
        self._made.pop(key, None)
        if stack := self._stacks.pop(key, None):
            stack.close()

    def close(self) -> None:
        for key in list(self._stacks):
            self.end(key)
        for target in ("runtime", "dev"):
            with contextlib.suppress(docker.errors.ImageNotFound):
                self.client.images.remove(self.tag(target), force=True)

    def _once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._made:
            try:
                self._made[key] = (True, make())
            except Exception as error:
                self._made[key] = (False, error)
        made, value = self._made[key]
        if not made:
            raise value
        return value


class Variants:
    """The variant a worker is checking. Its checks run one after another (one xdist group), so
    asking for another variant closes this one: its containers and images go."""

    def __init__(self, client: docker.DockerClient, render: Callable[[str, dict[str, Any]], Rendered], secret):
        self.client, self.render, self.secret = client, render, secret
        self.current: VariantContext | None = None
        self.skipped: dict[str, str] = {}

    def get(self, axes: dict[str, Any]) -> VariantContext:
        """The variant's context, rendered on first use; skipped when an image it needs cannot be had."""
        name = variant_name(axes)
        if name in self.skipped:
            pytest.skip(self.skipped[name])
        if self.current is not None and self.current.name == name:
            return self.current
        self.close()
        for reference in needed_images(axes):
            if reason := missing_image(self.client, reference):
                self.skipped[name] = reason
                reports.skip(name, axes, reason)
                pytest.skip(reason)
        project = self.render(name, axes)
        recorded = recorded_answers(project.path)
        derived = context.derive(recorded)
        secret_file, marker = self.secret
        self.current = VariantContext(
            client=self.client,
            name=name,
            project=project,
            report=reports.VariantReport(variant=name, answers=axes),
            secret_file=secret_file,
            marker=marker,
            uid=derived["app_uid"],
            port=derived["expose_port"],
            package=recorded["package_name"],
            distribution=recorded["project_slug"],
        )
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
