"""The cli and job READMEs as a new user reads them: the examples run, and each output shown is what the run prints."""

from __future__ import annotations

import re

import pytest
import yaml

from tooling import REPO
from tooling.project import Rendered, readme_commands, run

RUN_ONCE = ["cli", "job"]
# The one value of the job's log lines that changes from run to run.
TIME = re.compile(r'"time": "[^"]+"')


def blocks(project: Rendered, heading: str) -> list[tuple[str, str]]:
    """The fenced blocks under a README heading, in order: (language, text)."""
    section = project.read("README.md").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, re.DOTALL)


def bench_rates(column: str) -> list[float]:
    """One column of the CLI table of bench/RESULTS-run-once.md, in MB/s."""
    table = (REPO / "bench" / "RESULTS-run-once.md").read_text().split("## CLI", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| ")]
    index = [cell.strip() for cell in rows[0]].index(column)
    return [float(row[index]) for row in rows[1:]]


@pytest.mark.parametrize("manager", ["uv", "pip"])
def test_cli_readme_reads_standard_input(render, manager):
    project = render(app_kind="cli", package_manager=manager)
    commands = [
        line for language, text in blocks(project, "Run it locally") if language == "sh" for line in text.splitlines()
    ]
    assert any(re.search(r"\| .*summarise - --type csv$", line) for line in commands), commands


def test_cli_readme_gives_the_measured_throughput_next_to_csv_reader(render):
    intro = " ".join(render(app_kind="cli").read("README.md").split("## Set up and test", 1)[0].split())
    for column in ("summarise MB/s", "csv.reader MB/s"):
        rates = bench_rates(column)
        assert f"{min(rates):g} to {max(rates):g} MB/s" in intro, column


@pytest.mark.parametrize("kind", RUN_ONCE)
@pytest.mark.parametrize("manager", ["uv", "pip"])
def test_readme_explains_the_editable_install(render, kind, manager):
    project = render(app_kind=kind, package_manager=manager)
    prose = " ".join(project.read("README.md").split("## Run it locally\n", 1)[1].split("\n## ", 1)[0].split())
    assert "editable" in prose and "runs the code under `src/`" in prose, prose
    if manager == "pip" and kind == "job":
        for flag in ("--editable", "--no-deps", "--no-build-isolation", "PATH"):
            assert f"`{flag}`" in prose, flag


@pytest.mark.network
@pytest.mark.parametrize("kind", RUN_ONCE)
def test_readme_example_output_is_what_the_run_prints(render, kind, user_environment):
    project = render(app_kind=kind, python_version="3.11")
    for command in readme_commands(project, "Set up and test"):
        if "pytest" not in command and "ruff" not in command:
            result = run(project, command, user_environment)
            assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
    shown = blocks(project, "Run it locally")
    assert any(language == "text" for language, _ in shown), "the README shows no output of a run"
    for (language, text), following in zip(shown, [*shown[1:], ("", "")], strict=True):
        if language != "sh":
            continue
        result = run(project, "set -e\n" + text, user_environment)
        assert result.returncode == 0, f"{text}\n{result.stdout}\n{result.stderr}"
        if following[0] == "text":
            assert TIME.sub('"time": T', result.stdout) == TIME.sub('"time": T', following[1]), result.stdout
    if kind == "cli":
        assert "file: <stdin>" in result.stdout, "the last block reads standard input"


def test_the_cronjob_prunes_a_claim_and_the_readme_says_which(render):
    project = render(app_kind="job", with_kubernetes=True)
    pod = yaml.safe_load(project.read("k8s/cronjob.yaml"))["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == "/data"]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    # An emptyDir is the empty directory a missing volume leaves: the job would prune nothing and succeed.
    assert "emptyDir" not in volume
    claim = volume["persistentVolumeClaim"]["claimName"]
    section = " ".join(project.read("README.md").split("## Kubernetes", 1)[1].split("\n## ", 1)[0].split())
    assert f"`{claim}`" in section and "`claimName`" in section and "`.prune-target`" in section
