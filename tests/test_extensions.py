"""The derived values and validators in extensions/, tested as plain Python."""

from __future__ import annotations

import json
import re

import pytest

from extensions import context
from extensions.validators import (
    NAME_MAX_LENGTH,
    cron_problem,
    free_text_problem,
    package_name_from,
    package_name_problem,
    project_slug_problem,
    slugify,
)
from tooling.answers import choices, complete_answers

# Text a user may type: quotes of both kinds, backslashes, shell and Jinja syntax, accents.

BASE_ANSWERS = complete_answers()


def derive(**overrides):
    return context.derive({**BASE_ANSWERS, **overrides})


@pytest.mark.parametrize(
    ("flavour", "expected"), [("slim", "python:3.12-slim"), ("full", "python:3.12"), ("alpine", "python:3.12-alpine")]
)
def test_base_image_per_flavour(flavour, expected):
    assert context.base_image("3.12", flavour) == expected


def test_every_flavour_and_version_has_a_base_image():
    for flavour in choices("base_flavour"):
        for version in choices("python_version"):
            assert context.base_image(version, flavour).startswith(f"python:{version}")


def test_from_lines_are_literal_so_dependabot_can_update_them():
    digest = "sha256:" + "0" * 64
    assert context.base_image_from("3.13", "slim", digest) == f"python:3.13-slim@{digest}"
    assert context.base_image_from("3.13", "slim") == "python:3.13-slim"


def test_uv_image_is_pinned_by_version():
    assert context.uv_image() == f"ghcr.io/astral-sh/uv:{context.UV_VERSION}"
    assert "latest" not in context.uv_image()


@pytest.mark.parametrize(
    ("major", "path"), [(16, "/var/lib/postgresql/data"), (17, "/var/lib/postgresql/data"), (18, "/var/lib/postgresql")]
)
def test_postgres_data_path_follows_the_major(major, path):
    assert context.postgres_data_path(major) == path


def test_every_kind_has_commands_and_only_web_kinds_a_probe_and_port():
    for kind in choices("app_kind"):
        derived = derive(app_kind=kind)
        assert json.loads(derived["runtime_entrypoint"] or "[]") + json.loads(derived["runtime_cmd"] or "[]")
        assert json.loads(derived["dev_cmd"])
        web = kind in context.WEB_KINDS
        assert bool(derived["health_probe"]) == web
        assert (derived["expose_port"] is not None) == web


def test_runtime_commands_never_use_uv_run():
    for kind in choices("app_kind"):
        derived = derive(app_kind=kind)
        command = json.loads(derived["runtime_cmd"] or "[]") + json.loads(derived["runtime_entrypoint"] or "[]")
        assert "uv" not in command


def test_cli_entrypoint_is_the_tool_with_help_by_default():
    derived = derive(app_kind="cli")
    assert json.loads(derived["runtime_entrypoint"]) == ["billing-api"]
    assert json.loads(derived["runtime_cmd"]) == ["--help"]


def test_job_entrypoint_is_the_program_so_options_reach_it():
    derived = derive(app_kind="job")
    assert json.loads(derived["runtime_entrypoint"]) == ["billing-api"]
    assert derived["runtime_cmd"] == ""


def test_uid_and_gid_are_the_answered_number():
    derived = derive(app_uid="4242")
    assert (derived["app_uid"], derived["app_gid"]) == (4242, 4242)


def test_port_answer_reaches_every_command():
    derived = derive(app_kind="flask", port="9090")
    assert derived["expose_port"] == 9090
    assert "9090" in derived["image_serve_command"]
    # The dev server is the production one with --reload: it reads the port from PORT, as the image sets it.
    assert json.loads(derived["dev_cmd"]) == [*json.loads(derived["runtime_cmd"]), "--reload"]


def test_the_recorded_postgres_major_picks_image_and_data_path():
    assert derive(with_postgres=True)["postgres_image"] == f"postgres:{context.POSTGRES_MAJOR}"
    kept = derive(with_postgres=True, postgres_major=17)
    assert (kept["postgres_image"], kept["postgres_data_path"]) == ("postgres:17", "/var/lib/postgresql/data")
    assert derive(postgres_major=18)["postgres_data_path"] == "/var/lib/postgresql"


@pytest.mark.parametrize(("version", "floor"), [("3.10", "3.10"), ("3.11", "3.11"), ("3.15", "3.11")])
def test_requires_python_floor_keeps_an_older_recorded_python(version, floor):
    assert context.LOCK_PYTHON_FLOOR == "3.11"
    derived = derive(python_version=version, package_manager="pip")
    assert derived["python_floor"] == floor
    assert f"--python-version {floor} " in derived["lock_command"]


def test_postgres_only_for_web_kinds():
    assert derive(with_postgres=True)["uses_postgres"]
    assert not derive(app_kind="job", with_postgres=True)["uses_postgres"]


@pytest.mark.parametrize("manager", choices("package_manager"))
def test_lock_commands_per_manager(manager):
    commands = context.lock_commands(manager)
    assert commands
    if manager == "pip":
        assert all("--generate-hashes" in command for command in commands)


@pytest.mark.parametrize("name", ["billing", "my_app", "app2"])
def test_good_package_names(name):
    assert package_name_problem(name) == ""


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("my-app", "identifier"),
        ("Billing", "lowercase"),
        ("lambda", "keyword"),
        ("case", "keyword"),
        ("json", "standard-library"),
        ("asyncio", "standard-library"),
        ("tests", "shadow"),
        ("_x", "private"),
    ],
)
def test_bad_package_names(name, reason):
    assert reason in package_name_problem(name)


@pytest.mark.parametrize(
    "expression", ["* * * * *", "0 */2 * * *", "15,45 8-18 * * MON-FRI", "0 0 1 JAN *", "0 0 * * 0", "@hourly"]
)
def test_good_cron_expressions(expression):
    assert cron_problem(expression) == ""


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("* * * *", "5 fields"),
        ("61 * * * *", "field 1 (minute) value 61"),
        ("* 24 * * *", "field 2 (hour)"),
        ("* * 32 * *", "field 3 (day of month)"),
        ("* * * 0 *", "field 4 (month)"),
        ("* * * * 8", "field 5 (day of week)"),
        ("0 0 * * 7", "out of range 0-6 (Sunday is 0)"),
        ("*/0 * * * *", "zero step"),
        ("5-1 * * * *", "backwards"),
        ("x * * * *", "unknown value 'x'"),
        ("1- * * * *", "unreadable"),
    ],
)
def test_bad_cron_expressions_name_the_field(expression, fragment):
    assert fragment in cron_problem(expression)


def test_full_flavour_ships_on_slim_and_the_digest_pins_what_ships():
    digest = "sha256:" + "1" * 64
    derived = derive(base_flavour="full", base_image_digest=digest)
    assert derived["build_image_from"] == "python:3.13"
    assert derived["runtime_image_from"] == f"python:3.13-slim@{digest}"
    assert derived["base_image"] == f"python:3.13-slim@{digest}"


def test_uv_build_range_follows_the_pinned_minor():
    assert context.uv_build_range("0.13.9") == ">=0.13,<0.14"


def test_a_relative_template_path_is_recorded_absolute(tmp_path):
    (tmp_path / "template").mkdir()
    assert context.updatable_source("template", tmp_path) == str(tmp_path / "template")
    assert context.updatable_source(".", tmp_path / "template") == str(tmp_path / "template")


@pytest.mark.parametrize(
    "source", ["gh:org/template", "https://github.com/org/template.git", "git@github.com:org/t.git", "/abs/path"]
)
def test_remote_and_absolute_sources_are_recorded_as_given(tmp_path, source):
    assert context.updatable_source(source, tmp_path) == source


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Café Crème", "cafe-creme"),
        ("2024 Report", "project-2024-report"),
        ('Ça "va" l\'été', "ca-va-l-ete"),
        ("!!!", "project"),
        ("Ångström", "angstrom"),
        ("Flask", "flask-app"),
        ("Pydantic Core", "pydantic-core-app"),
    ],
)
def test_slugify_transliterates_and_starts_with_a_letter(name, slug):
    assert slugify(name) == slug
    assert project_slug_problem(slug) == ""


def test_slugify_truncates_without_a_trailing_hyphen():
    slug = slugify("a" * (NAME_MAX_LENGTH - 1) + " b c")
    assert len(slug) <= NAME_MAX_LENGTH and not slug.endswith("-")
    assert project_slug_problem(slug) == ""


@pytest.mark.parametrize(
    ("slug", "package"), [("billing-api", "billing_api"), ("flask", "flask_app"), ("json", "json_app")]
)
def test_package_name_default_is_valid(slug, package):
    assert package_name_from(slug) == package
    assert package_name_problem(package) == ""


@pytest.mark.parametrize(
    "name",
    [
        *("fastapi", "flask", "pytest", "gunicorn", "uvicorn", "psycopg", "httpx2", "ruff"),
        *("starlette", "pydantic", "werkzeug", "jinja2", "click", "uvloop", "httptools"),
    ],
)
def test_package_names_of_dependencies_are_refused(name):
    assert "dependencies" in package_name_problem(name)


@pytest.mark.parametrize("slug", ["flask", "fastapi", "pydantic-core", "psycopg-binary", "alembic", "ruff"])
def test_project_slugs_of_dependencies_are_refused(slug):
    # A project named like one of its own dependencies cannot be locked or installed.
    assert "a package the project installs" in project_slug_problem(slug)


def test_every_dependency_has_its_import_names():
    for kind in choices("app_kind"):
        for requirement in context.runtime_dependencies(kind) + context.dev_dependencies(kind):
            assert context.requirement_name(requirement) in context.IMPORT_NAMES, requirement


def test_overlong_names_are_refused():
    assert "at most" in project_slug_problem("a" * (NAME_MAX_LENGTH + 1))
    assert "at most" in package_name_problem("a" * (NAME_MAX_LENGTH + 1))


@pytest.mark.parametrize("value", ["two\nlines", "bell\a", "nul\x00"])
def test_free_text_must_be_one_printable_line(value):
    assert "description must be one line" in free_text_problem(value, "description")


@pytest.mark.parametrize("expression", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6 *", "0 0 30-31 FEB *"])
def test_schedules_that_never_fire_are_refused(expression):
    assert "never fires" in cron_problem(expression)


@pytest.mark.parametrize("expression", ["0 0 29 2 *", "0 0 31 2 MON", "0 0 31 1-2 *", "0 0 31 */2 *", " 0 3 * * * "])
def test_schedules_that_fire_sometimes_are_accepted(expression):
    assert cron_problem(expression) == ""


def test_cron_schedule_is_normalised():
    assert context.cron_schedule("  0   3 * * *  ") == "0 3 * * *"


@pytest.mark.parametrize(("limit", "slug"), [(63, "a" * 62 + "-b"), (52, "a" * 51 + "-bcd"), (63, "short")])
def test_kubernetes_names_fit_and_end_on_a_letter_or_digit(limit, slug):
    name = context.kubernetes_name(slug, limit)
    assert len(name) <= limit and re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", name)


def test_long_slug_gives_kubernetes_names_within_limits():
    derived = derive(project_slug="a" * 50 + "-" + "b" * 12)
    assert len(derived["kubernetes_name"]) <= 63
    assert len(derived["kubernetes_cronjob_name"]) <= 52 and not derived["kubernetes_cronjob_name"].endswith("-")
    assert len(derived["kubernetes_secret_name"]) <= 63
