"""Run what we tell users to run, verbatim and in order: README shell blocks, the next steps
printed after `copier copy`, and the `run:` steps of the generated CI workflow."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tooling.shells import spawn

FENCE = re.compile(r"^```(sh|bash|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^(#{1,6}) (.+)$", re.MULTILINE)
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

# The only commands a journey does not run, each with its reason; a test fails when an entry
# matches no command of any README, next-steps message or workflow.
SKIPPED: dict[str, str] = {
    'cosign sign --yes "${IMAGE}@${DIGEST}"': "signs through Sigstore with the workflow's OIDC identity",
    "cosign verify ghcr.io/OWNER/": "verifies a released image's signature in GHCR against Sigstore's log",
    "docker buildx imagetools inspect ghcr.io/OWNER/": "reads a released image's SBOM and provenance from GHCR",
}

# What a workflow's `${{ ... }}` expressions stand for in a journey: a push to main.
GITHUB_VALUES: dict[str, str] = {
    "github.ref": "refs/heads/main",
    "github.ref_name": "main",
    "github.ref_type": "branch",
    "github.sha": "0123456789abcdef0123456789abcdef01234567",
    "github.repository": "example/project",
    "github.actor": "example",
    "secrets.GITHUB_TOKEN": "unused",
    # Outputs of the release job's earlier steps, as a v1.2.0 tag would give them.
    "steps.image.outputs.name": "ghcr.io/example/project",
    "steps.image.outputs.version": "1.2.0",
    "steps.push.outputs.digest": "sha256:" + "0" * 64,
}


@dataclass(frozen=True)
class Step:
    origin: str
    command: str
    # A workflow step's own `env:`, expressions replaced; README commands have none.
    env: tuple[tuple[str, str], ...] = ()


@dataclass
class Outcome:
    step: Step
    status: int | None
    output: str
    seconds: float


class JourneyFailed(AssertionError):
    pass


def block_commands(body: str, console: bool = False) -> list[str]:
    """The commands of one shell block: continuation lines joined, blank and comment lines dropped."""
    commands: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if console:
            if not line.startswith("$ ") and not pending:
                continue
            line = line.removeprefix("$ ")
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending:
            line = line.lstrip()
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        commands.append(pending + line)
        pending = ""
    if pending:
        commands.append(pending.rstrip())
    return commands


def readme_steps(markdown: str, title: str = "README") -> list[Step]:
    """Every command of every sh, bash or console block, each named by its section heading."""
    headings = [(match.start(), match.group(2)) for match in HEADING.finditer(markdown)]
    steps = []
    for fence in FENCE.finditer(markdown):
        section = next((text for start, text in reversed(headings) if start < fence.start()), "top")
        for command in block_commands(fence.group(2), console=fence.group(1) == "console"):
            steps.append(Step(f"{title} / {section}", command))
    return steps


def next_steps(message: str) -> list[Step]:
    """The indented commands under "Next steps:" in copier's message after copy."""
    lines = message.split("Next steps:", 1)[1].splitlines()[1:]
    commands = []
    for line in lines:
        if not line.startswith("  ") or not line.strip():
            break
        commands.append(line.strip())
    return [Step("next steps", command) for command in commands]


def workflow_steps(workflow: str, values: dict[str, str] = GITHUB_VALUES) -> list[Step]:
    """Every `run:` step of every job, in file order, with GitHub expressions replaced by values."""
    document = yaml.safe_load(workflow)
    steps = []
    for job_id, job in document["jobs"].items():
        for step in job["steps"]:
            if "run" not in step:
                continue

            def value(match: re.Match) -> str:
                if match.group(1) not in values:
                    raise KeyError(f"no journey value for the expression ${{{{ {match.group(1)} }}}}")
                return values[match.group(1)]

            name = EXPRESSION.sub(value, step.get("name", step["run"]))
            env = tuple((key, EXPRESSION.sub(value, str(text))) for key, text in step.get("env", {}).items())
            steps.append(Step(f"CI / {job_id} / {name}", EXPRESSION.sub(value, step["run"]), env))
    return steps


def skip_reason(command: str) -> str | None:
    return next((reason for pattern, reason in SKIPPED.items() if pattern in command), None)


def runner_environment(env: dict[str, str], directory: Path) -> dict[str, str]:
    """What GitHub's runner adds for `run:` steps: files for step outputs and the summary, the repository."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {name: directory / name.lower() for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")}
    for path in files.values():
        path.touch()
    return {
        **env,
        **{name: str(path) for name, path in files.items()},
        "GITHUB_REPOSITORY": GITHUB_VALUES["github.repository"],
    }


def http_answers(url: str) -> bool:
    """Whether an HTTP server answers at url, whatever its status (a published port opens earlier)."""
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@dataclass
class Journey:
    """Runs steps as a user's shell would, one command at a time, in a directory that `cd` moves."""

    cwd: Path
    env: dict[str, str]
    # Commands that serve until Ctrl-C, with the URL they answer at; they run in the background
    # until the journey leaves their section.
    servers: dict[str, str] = field(default_factory=dict)
    # Checks of what the README promises, run right after the first command they name.
    checks: dict[str, Callable[[Journey], None]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    _running: list[tuple[Step, subprocess.Popen]] = field(default_factory=list)

    def run_all(self, steps: list[Step]) -> None:
        try:
            for step in steps:
                if self._running and self._running[-1][0].origin.split(" / ")[:2] != step.origin.split(" / ")[:2]:
                    self.stop_servers()
                self.run(step)
        finally:
            self.stop_servers()

    def run(self, step: Step) -> Outcome:
        started = time.monotonic()
        reason = skip_reason(step.command)
        if reason:
            outcome = Outcome(step, None, f"skipped: {reason}", 0.0)
        elif step.command.startswith("cd "):
            self.cwd = (self.cwd / os.path.expanduser(step.command[3:].strip())).resolve()
            outcome = Outcome(step, 0, "", 0.0)
        elif step.command in self.servers:
            outcome = self._serve(step, self.servers[step.command])
        else:
            result = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", step.command],
                cwd=self.cwd,
                env={**self.env, **dict(step.env)},
                capture_output=True,
                text=True,
                timeout=1200,
                stdin=subprocess.DEVNULL,
            )
            outcome = Outcome(step, result.returncode, result.stdout + result.stderr, time.monotonic() - started)
        self.outcomes.append(outcome)
        if outcome.status not in (0, None):
            raise JourneyFailed(self.transcript(last=8))
        check = self.checks.pop(step.command, None)
        if check is not None:
            check(self)
        return outcome

    def _serve(self, step: Step, url: str) -> Outcome:
        process = spawn(["bash", "-c", f"exec {step.command}"], self.cwd, self.env)
        self._running.append((step, process))
        started = time.monotonic()
        while not http_answers(url):
            if process.poll() is not None or time.monotonic() - started > 180:
                process.kill()
                output = process.finish()
                return Outcome(step, process.returncode or 1, f"never answered at {url}:\n{output}", 0.0)
            time.sleep(0.2)
        return Outcome(step, 0, f"answering at {url}", time.monotonic() - started)

    def stop_servers(self) -> None:
        """Ctrl-C, as the user would; a server that does not stop within 20 s fails the journey."""
        while self._running:
            step, process = self._running.pop()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                output = process.finish(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                output = process.finish()
                self.outcomes.append(Outcome(step, 1, f"did not stop on Ctrl-C:\n{output[-3000:]}", 0.0))
                raise JourneyFailed(self.transcript(last=8)) from None
            self.outcomes.append(Outcome(Step(step.origin, f"Ctrl-C: {step.command}"), 0, output[-3000:], 0.0))

    def output_of(self, prefix: str) -> list[str]:
        return [outcome.output for outcome in self.outcomes if outcome.step.command.startswith(prefix)]

    def transcript(self, last: int | None = None) -> str:
        shown = self.outcomes[-last:] if last else self.outcomes
        return "\n".join(
            f"[{outcome.step.origin}] $ {outcome.step.command}\n  -> {outcome.status} in {outcome.seconds:.1f}s\n"
            + "\n".join("     " + line for line in outcome.output.strip().splitlines()[-40:])
            for outcome in shown
        )
