"""Whatever a user types as a name or description reaches every generated file literally and safely."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import docker.errors
import pytest
import yaml

from extensions import context
from tooling import engine
from tooling.answers import choices, matrix
from tooling.project import HOST_PYTHON, Rendered, compose_config, copier_cli, readme_commands, run
from tooling.tools import tool

NAME_START = 'Ça "va" l\'été \\ $HOME {{ x }} %s'
# Padded to 120 characters, the longest name the suite promises to carry through.
HOSTILE_NAME = NAME_START + " " + "z" * (119 - len(NAME_START))
HOSTILE_DESCRIPTION = (
    'Says "hi", \'bye\' and """ to $HOME ${USER} {{ x }} {% raw %} %s %(name)s in café, then goes on'
    " long enough that a docstring holding it must wrap to stay within the line length \\"
)
HOSTILE_AUTHOR = 'O\'Brien "Bob" Ñúñez \\ $USER'
HOSTILE = {
    "project_name": HOSTILE_NAME,
    "description": HOSTILE_DESCRIPTION,
    "author_name": HOSTILE_AUTHOR,
    "with_kubernetes": True,
    "python_version": HOST_PYTHON,
}
KUBERNETES_LABEL = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
# Full installs are slow: each kind once, the package managers taking turns.
FULL_RUNS = [
    pytest.param({"app_kind": kind, "package_manager": manager}, id=f"{kind}-{manager}")
    for kind, manager in zip(
        choices("app_kind"),
        choices("package_manager") * len(choices("app_kind")),
        strict=False,
    )
]


def ruff(project: Rendered, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=project.path,
        capture_output=True,
        text=True,
    )


def python_files(project: Rendered) -> list[str]:
    return sorted(name for name in project.files() if name.endswith(".py"))


def kubernetes_documents(project: Rendered) -> list[dict]:
    return [yaml.safe_load(project.read(name)) for name in sorted(project.files()) if name.startswith("k8s/")]


def test_hostile_name_is_120_characters():
    assert len(HOSTILE_NAME) == 120


@pytest.mark.parametrize("axes", matrix("app_kind", "package_manager"))
def test_pyproject_holds_the_text_exactly(render, axes):
    project = render(**axes, **HOSTILE)
    pyproject = tomllib.loads(project.read("pyproject.toml"))["project"]
    assert pyproject["description"] == HOSTILE_DESCRIPTION
    assert pyproject["authors"] == [{"name": HOSTILE_AUTHOR, "email": "you@example.com"}]


@pytest.mark.parametrize("axes", matrix("app_kind", "package_manager"))
def test_python_files_parse_and_pass_ruff(render, axes):
    project = render(**axes, **HOSTILE)
    for name in python_files(project):
        ast.parse(project.read(name), filename=name)
    package = project.path / "src" / yaml.safe_load(project.read(".copier-answers.yml"))["package_name"]
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert " ".join(docstring.split()) == " ".join(HOSTILE_DESCRIPTION.split())
    checked = ruff(project, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    formatted = ruff(project, "format", "--check", "--diff")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


def test_fastapi_title_is_the_name(render):
    project = render(app_kind="fastapi", **HOSTILE)
    package = yaml.safe_load(project.read(".copier-answers.yml"))["package_name"]
    module = ast.parse(project.read(f"src/{package}/app.py"))
    constants = {
        node.targets[0].id: node.value
        for node in module.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1
    }
    titles = [
        keyword.value
        for node in ast.walk(module)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "title"
    ]
    assert len(titles) == 1
    title = constants[titles[0].id] if isinstance(titles[0], ast.Name) else titles[0]
    assert ast.literal_eval(title) == HOSTILE_NAME


@pytest.mark.parametrize("kind", [kind for kind in choices("app_kind") if kind != "cli"])
def test_kubernetes_names_and_labels_fit_their_limits(render, kind):
    project = render(app_kind=kind, **HOSTILE)
    documents = kubernetes_documents(project)
    assert documents
    # kustomization.yaml configures kustomize; it names no object of the cluster.
    for document in [document for document in documents if document["kind"] != "Kustomization"]:
        limit = 52 if document["kind"] == "CronJob" else 63
        name = document["metadata"]["name"]
        assert len(name) <= limit and re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", name), name
        labels = [document["metadata"]["labels"]]
        for node in _walk(document):
            if isinstance(node, dict):
                labels += [value for key, value in node.items() if key in ("labels", "matchLabels")]
        for label in labels:
            for value in label.values():
                assert len(value) <= 63 and KUBERNETES_LABEL.match(value), value


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        yield from _walk(child)


def test_secret_names_fit(render):
    project = render(app_kind="fastapi", **HOSTILE)
    text = project.read("k8s/deployment.yaml")
    for name in re.findall(r"name: (\S+-database)$", text, re.MULTILINE):
        assert len(name) <= 63, name


def test_dockerfile_label_escapes_shell_expansion(render):
    dockerfile = render(app_kind="job", **HOSTILE).read("Dockerfile")
    label = re.search(r'org\.opencontainers\.image\.description=("(?:[^"\\]|\\.)*")', dockerfile)
    assert label, dockerfile
    assert "\\$HOME" in label.group(1) and "\\${USER}" in label.group(1)


@pytest.mark.parametrize(
    ("folder", "slug", "package"),
    [("2024-report", "project-2024-report", "project_2024_report"), ("Café", "cafe", "cafe")],
)
def test_folder_name_gives_valid_defaults(copier_template, tmp_path, folder, slug, package):
    destination = tmp_path / folder
    result = copier_cli("copy", "--trust", "--defaults", str(copier_template), str(destination))
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert (answers["project_slug"], answers["package_name"]) == (slug, package)


def test_schedule_with_spaces_is_normalised(render):
    project = render(app_kind="job", with_kubernetes=True, schedule="  0   3 * * *  ")
    assert yaml.safe_load(project.read("k8s/cronjob.yaml"))["spec"]["schedule"] == "0 3 * * *"
    assert "`0 3 * * *`" in project.read("README.md")


@pytest.mark.network
@pytest.mark.parametrize("axes", FULL_RUNS)
def test_project_with_hostile_text_installs_and_its_tests_pass(render, axes, user_environment):
    project = render(**axes, **HOSTILE)
    commands = readme_commands(project, "Set up and test")
    for command in commands:
        result = run(project, command, user_environment)
        assert result.returncode == 0, f"`{command}` failed:\n{result.stdout}\n{result.stderr}"
    built = run(project, "uv build --quiet --out-dir dist", user_environment)
    assert built.returncode == 0, built.stderr
    assert list((project.path / "dist").glob("*.whl"))


@pytest.mark.docker
def test_image_labels_hold_the_text_literally(render):
    try:
        client = engine.engine()
    except docker.errors.DockerException as error:
        pytest.skip(f"no Docker engine answers: {error}")
    for reference in (context.base_image(HOST_PYTHON, "slim"), context.uv_image()):
        if not client.images.list(name=reference):
            pytest.skip(f"{reference} is not on the engine (python -m tooling.standins)")
    project = render("hostile", app_kind="job", package_manager="uv", **HOSTILE)
    tag = "copier-pycontainer-test/free-text:runtime"
    engine.build(project.path, tag)
    try:
        labels = client.images.get(tag).labels
        assert labels["org.opencontainers.image.description"] == HOSTILE_DESCRIPTION
        assert labels["org.opencontainers.image.authors"] == f"{HOSTILE_AUTHOR} <you@example.com>"
    finally:
        client.images.remove(tag, force=True)


@pytest.mark.parametrize("kind", [kind for kind in choices("app_kind") if kind != "cli"])
def test_hostile_files_pass_hadolint_kubernetes_validate_and_compose(render, kind):
    project = render(app_kind=kind, **HOSTILE)
    linted = tool("hadolint", "--no-color", "Dockerfile", cwd=project.path)
    assert linted.returncode == 0 and linted.stdout == "", linted.stdout + linted.stderr
    manifests = sorted(str(path) for path in (project.path / "k8s").glob("*.yaml"))
    validated = tool("kubernetes-validate", "--strict", *manifests, cwd=project.path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    for name in ("compose.yaml", "compose.prod.yaml"):
        assert compose_config(project, name)["services"]


def test_next_steps_quote_a_destination_with_spaces(copier_template, tmp_path):
    destination = tmp_path / "my project"
    result = copier_cli("copy", "--trust", "--defaults", str(copier_template), str(destination))
    assert result.returncode == 0, result.stderr
    assert f"cd '{destination}'" in result.stdout + result.stderr
