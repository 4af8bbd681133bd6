"""The suite's own checks can fail: each tool refuses a known bad input, and with no engine every
engine test skips for one stated reason instead of erroring."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tooling import REPO, answers, tools

WORKFLOW = ".github/workflows/ci.yml"
JOB = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
# Per tool: the files of a known bad input, its arguments, and a fragment of the complaint it must print.
BAD_INPUTS = [
    pytest.param(
        "hadolint",
        {"Dockerfile": "FROM python:latest\nRUN cd /app\n"},
        ["--no-color", "Dockerfile"],
        "DL3007",
        id="hadolint",
    ),
    pytest.param(
        "docker-compose",
        {"compose.yaml": "services:\n  app:\n    image: example\n    ports: 8000\n"},
        ["-f", "compose.yaml", "config", "--format", "json"],
        "services.app.ports must be a array",
        id="docker-compose",
    ),
    pytest.param(
        "docker-compose",
        {},
        ["-f", "nonexistent.yaml", "config"],
        "no such file or directory",
        id="docker-compose-missing-file",
    ),
    pytest.param(
        "kubernetes-validate",
        {"deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: two\n"},
        ["--strict", "deployment.yaml"],
        "spec.replicas",
        id="kubernetes-validate",
    ),
    pytest.param(
        "actionlint",
        {WORKFLOW: JOB + "      - run: echo ${{ steps.nope.outputs.x }}\n"},
        ["-no-color", WORKFLOW],
        'property "nope" is not defined',
        id="actionlint",
    ),
    pytest.param(
        "zizmor",
        {WORKFLOW: JOB + "      - uses: actions/checkout@v4\n"},
        ["--offline", "--persona", "pedantic", "--no-progress", WORKFLOW],
        "artipacked",
        id="zizmor",
    ),
    pytest.param("ruff", {"bad.py": "import os\n"}, ["check", "--no-cache", "."], "F401", id="ruff-check"),
    pytest.param(
        "ruff",
        {"bad.py": 'x = {  "a":1 }\n'},
        ["format", "--no-cache", "--check", "."],
        "reformatted",
        id="ruff-format",
    ),
]


@pytest.mark.parametrize(("name", "files", "args", "complaint"), BAD_INPUTS)
def test_tool_fails_on_a_known_bad_input(tmp_path: Path, name: str, files: dict[str, str], args: list[str], complaint):
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    result = tools.tool(name, *args, cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{tools.tool_cli(name)} exited 0 on a bad input:\n{output}"
    assert complaint in output, f"{name} failed for another reason than the bad input:\n{output}"


def test_without_an_engine_every_engine_test_skips_for_one_reason(tmp_path: Path):
    # A copy of the suite, so the inner session's reports/ cannot touch those of the run around it.
    suite = tmp_path / "suite"
    for name in ("tests", "tooling", "extensions", "bench"):  # bench/work: the benchmark's scratch projects
        shutil.copytree(REPO / name, suite / name, ignore=shutil.ignore_patterns("__pycache__", "work"))
    for name in ("copier.yml", "pyproject.toml", "CHANGELOG.md"):  # CHANGELOG: the releases updated from
        shutil.copy(REPO / name, suite / name)
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"
    junit = tmp_path / "junit.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "docker", "-p", "no:cacheprovider", f"--junit-xml={junit}"],
        cwd=suite,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout[-5000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    cases = ElementTree.parse(junit).getroot().iter("testcase")
    outcomes = {case.get("name"): [child.tag for child in case] for case in cases}
    assert outcomes, output
    assert {name: tags for name, tags in outcomes.items() if tags != ["skipped"]} == {}, output
    reasons = {skip.get("message") for skip in ElementTree.parse(junit).getroot().iter("skipped")}
    assert len(reasons) == 1, reasons
    assert environment["DOCKER_HOST"] in reasons.pop()


def test_readme_names_the_command_of_the_full_run():
    section = (REPO / "README.md").read_text().split("## Run the suite's tests\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.strip() == ".ci/run", f"the section's command block is not .ci/run:\n{block}"
    script = REPO / ".ci" / "run"
    assert os.access(script, os.X_OK), ".ci/run is not executable"
    last = [line for line in script.read_text().splitlines() if line.strip()][-1]
    assert f"the full suite, `{last}`" in section, f".ci/run ends with `{last}`, which the README does not name"


def test_pairwise_covers_every_pair_and_prefers_what_can_run():
    axes = {"kind": ["a", "b", "c"], "manager": ["uv", "pip"], "python": ["3.11", "3.12", "3.13"], "base": ["x", "y"]}
    combos = answers.pairwise(axes, preferred=lambda combo: combo["base"] != "y")
    for first, second in itertools.combinations(axes, 2):
        for pair in itertools.product(axes[first], axes[second]):
            covering = [c for c in combos if (c[first], c[second]) == pair]
            assert covering, f"{first}={pair[0]} with {second}={pair[1]} is never combined"
            if "y" not in (pair if "base" in (first, second) else ()):
                assert any(c["base"] != "y" for c in covering), f"{pair} is left to a combination that may not run"
    assert len(combos) < len(list(itertools.product(*axes.values())))
