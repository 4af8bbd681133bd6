"""Wrong answers are refused with a message naming the question, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from copier.errors import UserMessageError

from tooling.answers import answers_for, choice_questions, choices, questions, update_only_choices
from tooling.project import copier_cli

# name (the test id) -> (question, bad value, other answers the question needs to be asked)
CORPUS: dict[str, tuple[str, str, dict[str, str]]] = {
    "name-blank": ("project_name", "   ", {}),
    "slug-space": ("project_slug", "My App", {}),
    "slug-leading-digit": ("project_slug", "1app", {}),
    "slug-trailing-hyphen": ("project_slug", "app-", {}),
    "slug-double-hyphen": ("project_slug", "app--api", {}),
    "slug-underscore": ("project_slug", "app_api", {}),
    "package-hyphen": ("package_name", "my-app", {}),
    "package-keyword": ("package_name", "class", {}),
    "package-soft-keyword": ("package_name", "match", {}),
    "package-stdlib-json": ("package_name", "json", {}),
    "package-stdlib-logging": ("package_name", "logging", {}),
    "package-uppercase": ("package_name", "MyApp", {}),
    "package-tests": ("package_name", "tests", {}),
    # Dependencies of every kind: the kind may change on update, the package name stays.
    "package-fastapi": ("package_name", "fastapi", {}),
    "package-flask": ("package_name", "flask", {"app_kind": "flask"}),
    "package-pytest": ("package_name", "pytest", {}),
    "package-gunicorn": ("package_name", "gunicorn", {}),
    "package-uvicorn": ("package_name", "uvicorn", {}),
    "package-psycopg": ("package_name", "psycopg", {}),
    "package-httpx2": ("package_name", "httpx2", {}),
    "package-ruff": ("package_name", "ruff", {}),
    "package-starlette": ("package_name", "starlette", {}),
    "package-pydantic": ("package_name", "pydantic", {}),
    "package-werkzeug": ("package_name", "werkzeug", {}),
    "package-jinja2": ("package_name", "jinja2", {}),
    "package-click": ("package_name", "click", {}),
    "package-too-long": ("package_name", "p" * 64, {}),
    "slug-too-long": ("project_slug", "p" * 64, {}),
    "name-two-lines": ("project_name", "two\nlines", {}),
    "description-two-lines": ("description", "two\nlines", {}),
    "author-control-characters": ("author_name", "tab\tand\nnewline", {}),
    "email-no-at": ("author_email", "nobody", {}),
    "email-no-dot": ("author_email", "a@b", {}),
    "email-space": ("author_email", "jane doe@example.com", {}),
    "digest-short": ("base_image_digest", "sha256:abc", {}),
    "digest-not-sha256": ("base_image_digest", "md5:" + "a" * 64, {}),
    "digest-uppercase": ("base_image_digest", "sha256:" + "A" * 64, {}),
    "port-privileged": ("port", "80", {"app_kind": "fastapi"}),
    "port-zero": ("port", "0", {"app_kind": "flask"}),
    "port-above-65535": ("port", "70000", {"app_kind": "fastapi"}),
    "port-not-a-number": ("port", "http", {"app_kind": "fastapi"}),
    "uid-root": ("app_uid", "0", {}),
    "uid-negative": ("app_uid", "-5", {}),
    "uid-not-a-number": ("app_uid", "root", {}),
    "schedule-three-fields": ("schedule", "* * *", {"app_kind": "job"}),
    "schedule-minute-60": ("schedule", "60 * * * *", {"app_kind": "job"}),
    "schedule-hour-24": ("schedule", "0 24 * * *", {"app_kind": "job"}),
    "schedule-day-0": ("schedule", "0 0 0 * *", {"app_kind": "job"}),
    "schedule-month-13": ("schedule", "0 0 * 13 *", {"app_kind": "job"}),
    "schedule-weekday-8": ("schedule", "0 0 * * 8", {"app_kind": "job"}),
    # Kubernetes' CronJob parser takes day-of-week 0-6: 7 for Sunday is refused there.
    "schedule-weekday-7": ("schedule", "0 0 * * 7", {"app_kind": "job"}),
    "schedule-step-0": ("schedule", "*/0 * * * *", {"app_kind": "job"}),
    "schedule-reversed-range": ("schedule", "30-10 * * * *", {"app_kind": "job"}),
    "schedule-month-long-name": ("schedule", "0 0 * JANUARY *", {"app_kind": "job"}),
    "schedule-unknown-macro": ("schedule", "@sometimes", {"app_kind": "job"}),
    "schedule-feb-31": ("schedule", "0 0 31 2 *", {"app_kind": "job"}),
    "schedule-feb-30": ("schedule", "0 0 30 2 *", {"app_kind": "job"}),
    "schedule-apr-31": ("schedule", "0 0 31 4 *", {"app_kind": "job"}),
    # Yes/no questions: copier itself would read any other word as yes.
    "kubernetes-maybe": ("with_kubernetes", "maybe", {"app_kind": "job"}),
    "actions-banana": ("with_github_actions", "banana", {}),
    "postgres-sometimes": ("with_postgres", "sometimes", {"app_kind": "flask"}),
    # Every choice question refuses a value outside its choices.
    **{f"{question}-not-a-choice": (question, "not-a-choice", {}) for question in choice_questions()},
    "python-3.9": ("python_version", "3.9", {}),
    "python-3.16": ("python_version", "3.16", {}),
    # End of life: offered to no new project, only kept by one updated from an earlier release.
    "python-3.10-end-of-life": ("python_version", "3.10", {}),
}
VALIDATED = {name for name, spec in questions().items() if "validator" in spec}


CASES = [pytest.param(*case, id=name) for name, case in CORPUS.items()]


def test_corpus_covers_every_validator_and_choice():
    covered = {question for question, _, _ in CORPUS.values()}
    assert covered >= VALIDATED, f"validators without a bad answer: {VALIDATED - covered}"
    assert set(choice_questions()) <= covered
    assert len(CORPUS) >= 20


@pytest.mark.parametrize(("question", "value", "context"), CASES)
def test_bad_answer_is_refused_and_nothing_written(copier, tmp_path: Path, question, value, context):
    destination = tmp_path / "project"
    with pytest.raises(UserMessageError, match=rf"'{question}'") as refused:
        copier.copy(destination, **answers_for(**context, **{question: value}))
    reason = refused.value.message.split(f"'{question}'", 1)[1]
    assert len(reason.strip(" :")) > 10, f"refusal of {question} gives no reason: {refused.value}"
    assert not destination.exists(), f"{destination} was written although '{question}' was refused"


@pytest.mark.parametrize(
    "name", ["slug-space", "port-privileged", "kubernetes-maybe", "app_kind-not-a-choice", "python-3.10-end-of-life"]
)
def test_command_line_refusal_is_one_message_naming_the_question(copier_template: Path, tmp_path: Path, name):
    question, value, context = CORPUS[name]
    destination = tmp_path / "project"
    data = [arg for key, val in {**context, question: value}.items() for arg in ("--data", f"{key}={val}")]
    result = copier_cli("copy", "--trust", "--defaults", *data, str(copier_template), str(destination))
    assert result.returncode != 0
    assert f"Validation error for question '{question}'" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not destination.exists()


def test_good_answers_at_the_edges_are_accepted(render):
    project = render(port="1024", app_uid="2147483647", project_slug="a1-b2", package_name="a1_b2")
    assert "EXPOSE 1024" in project.read("Dockerfile")
    assert "USER 2147483647:2147483647" in project.read("Dockerfile")


@pytest.mark.parametrize("schedule", ["*/15 1-5,22 * JAN-MAR mon-fri", "@daily", "0 0 1 1 0"])
def test_good_schedules_are_accepted(render, schedule):
    assert f'schedule: "{schedule}"' in render(app_kind="job", with_kubernetes=True, schedule=schedule).read(
        "k8s/cronjob.yaml"
    )


def test_choices_are_the_documented_ones():
    assert choices("python_version") == ["3.11", "3.12", "3.13", "3.14", "3.15"]
    assert update_only_choices("python_version") == ["3.10"]
    assert choices("postgres_major") == ["17", "18"]


def test_schedule_with_spaces_around_is_accepted_and_normalised(render):
    cronjob = render(app_kind="job", with_kubernetes=True, schedule=" 0 3 * * * ").read("k8s/cronjob.yaml")
    assert 'schedule: "0 3 * * *"' in cronjob
