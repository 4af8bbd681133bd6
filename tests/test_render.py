"""Every combination of the structural answers renders the files it should, and only those."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from extensions import context
from extensions.model import files
from tooling import REPO, tools
from tooling.answers import choices, matrix
from tooling.locks import LOCK_FILES
from tooling.project import Rendered, copier_cli, git

TEMPLATE = REPO / "template"

# Jinja left behind: a tag or an expression not part of GitHub Actions' own ${{ ... }} syntax.
UNRENDERED = re.compile(r"{%|%}|{#|#}|(?<!\$){{")
# Other template languages generated files speak on purpose: just's recipe arguments, docker's Go --format.
FOREIGN_TEMPLATES = {"justfile": ("{{ args }}",), "README.md": ("{{ json .SBOM }}", "{{ json .Provenance }}")}


def template_paths(package: str) -> set[str]:
    """Every path the template can produce, as a project names it."""
    names = {"{{ package_name }}": package, "{{ _copier_conf.answers_file }}": ".copier-answers.yml"}
    found = set()
    for path in TEMPLATE.rglob("*"):
        if path.is_file():
            name = str(path.relative_to(TEMPLATE)).removesuffix(".jinja")
            for placeholder, value in names.items():
                name = name.replace(placeholder, value)
            found.add(name)
    return found


def expected_files(project: Rendered) -> set[str]:
    """What the variant model (extensions/model/files.py) says this project gets, from its recorded answers."""
    answers = yaml.safe_load(project.read(".copier-answers.yml"))
    gone = files.left_out({**answers, **context.derive(answers)})
    return {
        path
        for path in template_paths(answers["package_name"])
        if not any(path == away or path.startswith(f"{away}/") for away in gone)
    }


def test_every_rule_names_a_template_path():
    produced = template_paths("{package}")
    dead = [
        path for path in files.ONLY_IF if path not in produced and not any(p.startswith(f"{path}/") for p in produced)
    ]
    assert dead == [], "extensions/model/files.py has rules for paths the template no longer has"


@pytest.mark.parametrize("kind", choices("app_kind"))
def test_every_kind_brings_its_own_entry_point(kind):
    # template/src/.../__main__.py includes the kind's own; a new app_kind adds includes/kinds/<kind>/.
    assert (REPO / "includes" / "kinds" / kind / "__main__.py.jinja").is_file()


def file_set_variants() -> list:
    """The axes that change which files exist or how the Dockerfile is built, each combination once; the
    Python versions, which change a few values but no file, taken in turn so that each is rendered too."""
    versions = choices("python_version")
    return [
        pytest.param(
            {**param.values[0], "python_version": versions[index % len(versions)]},
            id=f"{param.id}-{versions[index % len(versions)]}",
        )
        for index, param in enumerate(matrix("app_kind", "package_manager", "base_flavour"))
    ]


@pytest.mark.parametrize("axes", file_set_variants())
def test_renders_expected_files_without_leftover_jinja(render, axes):
    project = render(**axes)
    assert project.files() == expected_files(project)
    for name in project.files():
        text = project.read(name)
        for expression in FOREIGN_TEMPLATES.get(name, ()):
            text = text.replace(expression, "")
        assert not UNRENDERED.search(text), f"{name} holds unrendered Jinja: {UNRENDERED.search(text).group()}"
    answers = yaml.safe_load(project.read(".copier-answers.yml"))
    assert {key: answers[key] for key in axes} == axes
    assert answers["_commit"] == "99.99.99"


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"with_kubernetes": True, "with_github_actions": True}, id="everything"),
        pytest.param({"with_kubernetes": False, "with_github_actions": False}, id="nothing"),
    ],
)
@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_optional_files_follow_their_answers(render, axes, options):
    project = render(**axes, **options)
    assert project.files() == expected_files(project)
    k8s = {name for name in project.files() if name.startswith("k8s/")}
    github = {name for name in project.files() if name.startswith(".github/")}
    assert bool(github) == options["with_github_actions"]
    # cli is never asked about Kubernetes: a command-line tool has no workload to deploy.
    assert bool(k8s) == (options["with_kubernetes"] and axes["app_kind"] != "cli")


def test_default_answers_give_a_fastapi_uv_project(render):
    project = render()
    answers = yaml.safe_load(project.read(".copier-answers.yml"))
    assert (answers["app_kind"], answers["package_manager"], answers["python_version"]) == ("fastapi", "uv", "3.14")
    assert answers["postgres_major"] == "18"
    assert 'name = "sample-service"' in project.read("pyproject.toml")
    assert 'name = "sample-service"' in project.read("uv.lock")


def test_carried_lock_names_the_project(render):
    project = render(project_slug="billing-api", package_name="billing")
    assert 'name = "billing-api"' in project.read("uv.lock")
    assert 'module-name = "billing"' in project.read("pyproject.toml")
    assert (project.path / "src/billing/app.py").is_file()


PIP_INSTALL = re.compile(r"pip (?:--python \S+ )?install ([^&\n`|]*)")


@pytest.mark.parametrize("axes", matrix("app_kind"))
def test_pip_installs_only_what_a_lock_pins(render, axes):
    """Every pip install of a pip project, in the image, the README and the justfile, takes hash-pinned
    locks, or builds the project without isolation: never a name resolved or a backend fetched unchecked."""
    project = render(package_manager="pip", **axes)
    installs = [
        (name, match.group(1).split())
        for name in ("Dockerfile", "README.md", "justfile")
        for match in PIP_INSTALL.finditer(project.read(name).replace("\\\n", " "))
    ]
    assert len(installs) >= 6, installs
    for name, options in installs:
        if "-r" in options:
            assert "--require-hashes" in options, (name, options)
            assert options[options.index("-r") + 1].rsplit("/", 1)[-1] in LOCK_FILES["pip"], (name, options)
        else:
            assert {"--no-deps", "--no-build-isolation"} <= set(options), (name, options)


def test_digest_pins_the_base_image(render):
    digest = "sha256:" + "ab" * 32
    dockerfile = render(base_image_digest=digest).read("Dockerfile")
    assert f"FROM python:3.14-slim@{digest} AS deps" in dockerfile
    assert f"FROM python:3.14-slim@{digest} AS runtime" in dockerfile


def test_full_flavour_builds_on_full_and_ships_slim(render):
    dockerfile = render(base_flavour="full").read("Dockerfile")
    assert "FROM python:3.14 AS deps" in dockerfile
    assert "FROM python:3.14-slim AS runtime" in dockerfile


def test_copy_with_no_network(copier_template, tmp_path):
    """`copier copy --trust --defaults` in an empty network namespace gives a complete project."""
    destination = tmp_path / "offline-service"
    result = copier_cli("copy", "--trust", "--defaults", str(copier_template), str(destination), offline=True)
    assert result.returncode == 0, result.stderr
    project = Rendered(destination)
    assert project.files() == expected_files(project)
    assert "src/offline_service/app.py" in project.files()
    assert 'name = "offline-service"' in (destination / "uv.lock").read_text()


@pytest.mark.parametrize("package", ["data", "build", "dist"])
def test_git_tracks_every_rendered_file_and_nothing_private(render, package):
    project = render(project_slug=package, package_name=package, with_kubernetes=True)
    rendered = project.files()
    private = [".env", ".env.production", ".netrc", "server.key", "tls.pem", "secrets/db_password.txt"]
    private += ["data/notes.db", "build/lib/x.py", "dist/x.whl"]
    for name in private:
        (project.path / name).parent.mkdir(parents=True, exist_ok=True)
        (project.path / name).write_text("private\n")
    git(project.path, "init", "--quiet")
    git(project.path, "add", "--all")
    tracked = set(git(project.path, "ls-files").splitlines())
    assert rendered <= tracked, f"rendered but ignored by git: {sorted(rendered - tracked)}"
    assert not tracked & set(private), f"tracked although private: {sorted(tracked & set(private))}"
    assert f"src/{package}/__init__.py" in tracked


def test_python_version_file_names_the_answered_python(render):
    assert render(python_version="3.12").read(".python-version") == "3.12\n"


@pytest.mark.parametrize(("flavour", "label"), [("slim", "python:3.12-slim"), ("full", "python:3.12-slim")])
def test_base_name_label_names_the_runtime_from_line(render, flavour, label):
    dockerfile = render(base_flavour=flavour, python_version="3.12").read("Dockerfile")
    assert f'org.opencontainers.image.base.name="{label}"' in dockerfile
    runtime_from = next(line for line in dockerfile.splitlines() if line.endswith(" AS runtime"))
    assert runtime_from == f"FROM {label} AS runtime"


@pytest.mark.parametrize("axes", matrix("base_flavour"))
def test_from_lines_name_images_dependabot_can_update(render, axes):
    # Dependabot skips `FROM image:${ARG}` (dependabot-core #2057): every base image is written out.
    dockerfile = render(**axes).read("Dockerfile")
    froms = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert not [image for image in froms if "$" in image], froms
    assert "ARG PYTHON_VERSION" not in dockerfile


def test_base_name_label_names_a_pinned_digest(render):
    digest = "sha256:" + "cd" * 32
    dockerfile = render(base_image_digest=digest).read("Dockerfile")
    assert f'org.opencontainers.image.base.name="python:3.14-slim@{digest}"' in dockerfile


@pytest.mark.parametrize("kind", ["fastapi", "flask"])
def test_env_example_leaves_no_setting_that_breaks_a_container(render, kind):
    # Every line must work as shipped: nothing points into the read-only /app or the host.
    settings = dict(
        line.split("=", 1)
        for line in render(app_kind=kind).read(".env.example").splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert settings["DATABASE_URL"] == ""
    assert "HOST" not in settings


@pytest.mark.parametrize("file", ["compose.yaml", "compose.prod.yaml"])
def test_compose_builds_take_the_ca_bundle_secret(render, file):
    project = render(app_kind="flask")
    result = tools.compose("-f", file, "config", "--format", "json", cwd=project.path)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert [secret["source"] for secret in config["services"]["app"]["build"]["secrets"]] == ["ca_bundle"]
    assert config["secrets"]["ca_bundle"]["environment"] == "BUILD_CA_BUNDLE"


@pytest.mark.parametrize("file", ["compose.yaml", "compose.prod.yaml"])
@pytest.mark.parametrize("kind", choices("app_kind"))
def test_both_compose_stacks_read_dot_env(render, file, kind):
    # README and .env.example say so; a job set to dry-run there must not delete in production.
    project = render(app_kind=kind)
    (project.path / ".env").write_text(project.read(".env.example") + "PRUNE_DRY_RUN=true\nMARKER=from-dot-env\n")
    result = tools.compose("-f", file, "config", "--format", "json", cwd=project.path)
    assert result.returncode == 0, result.stderr
    environment = json.loads(result.stdout)["services"]["app"]["environment"]
    assert environment["MARKER"] == "from-dot-env"


@pytest.mark.parametrize("kind", choices("app_kind"))
def test_compose_prod_header_gives_the_command_the_readme_runs(render, kind):
    project = render(app_kind=kind)
    header = project.read("compose.prod.yaml").splitlines()[0]
    command = re.search(r"`([^`]+)`", header).group(1)
    assert command.removesuffix(" FILE") in project.read("README.md"), header
    if kind not in context.WEB_KINDS:
        # A run-once program has no service to wait for and no secret file.
        assert " up " not in command and "secret" not in header
