"""Wrong answers are refused with a message naming the question, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.answers import answers_for, choice_questions, choices, questions, update_only_choices
from tooling.project import copier_cli

# (question, bad value, other answers the question needs to be asked)
CORPUS = (
    [
        ("project_name", "   ", {}),
        ("project_slug", "My App", {}),
        ("project_slug", "1app", {}),
        ("project_slug", "app-", {}),
        ("project_slug", "app--api", {}),
        ("project_slug", "app_api", {}),
        ("package_name", "my-app", {}),
        ("package_name", "class", {}),
        ("package_name", "match", {}),
        ("package_name", "json", {}),
        ("package_name", "logging", {}),
        ("package_name", "MyApp", {}),
        ("package_name", "tests", {}),
        # Dependencies of every kind: the kind may change on update, the package name stays.
        ("package_name", "fastapi", {}),
        ("package_name", "flask", {"app_kind": "flask"}),
        ("package_name", "pytest", {}),
        ("package_name", "gunicorn", {}),
        ("package_name", "uvicorn", {}),
        ("package_name", "psycopg", {}),
        ("package_name", "httpx2", {}),
        ("package_name", "ruff", {}),
        ("package_name", "starlette", {}),
        ("package_name", "pydantic", {}),
        ("package_name", "werkzeug", {}),
        ("package_name", "jinja2", {}),
        ("package_name", "click", {}),
        ("package_name", "p" * 64, {}),
        ("project_slug", "p" * 64, {}),
        ("project_name", "two\nlines", {}),
        ("description", "two\nlines", {}),
        ("author_name", "tab\tand\nnewline", {}),
        ("author_email", "nobody", {}),
        ("author_email", "a@b", {}),
        ("author_email", "jane doe@example.com", {}),
        ("base_image_digest", "sha256:abc", {}),
        ("base_image_digest", "md5:" + "a" * 64, {}),
        ("base_image_digest", "sha256:" + "A" * 64, {}),
        ("port", "80", {"app_kind": "fastapi"}),
        ("port", "0", {"app_kind": "flask"}),
        ("port", "70000", {"app_kind": "fastapi"}),
        ("port", "http", {"app_kind": "fastapi"}),
        ("app_uid", "0", {}),
        ("app_uid", "-5", {}),
        ("app_uid", "root", {}),
        ("schedule", "* * *", {"app_kind": "job"}),
        ("schedule", "60 * * * *", {"app_kind": "job"}),
        ("schedule", "0 24 * * *", {"app_kind": "job"}),
        ("schedule", "0 0 0 * *", {"app_kind": "job"}),
        ("schedule", "0 0 * 13 *", {"app_kind": "job"}),
        ("schedule", "0 0 * * 8", {"app_kind": "job"}),
        ("schedule", "*/0 * * * *", {"app_kind": "job"}),
        ("schedule", "30-10 * * * *", {"app_kind": "job"}),
        ("schedule", "0 0 * JANUARY *", {"app_kind": "job"}),
        ("schedule", "@sometimes", {"app_kind": "job"}),
        ("schedule", "0 0 31 2 *", {"app_kind": "job"}),
        ("schedule", "0 0 30 2 *", {"app_kind": "job"}),
        ("schedule", "0 0 31 4 *", {"app_kind": "job"}),
    ]
    + [
        # Every choice question refuses a value outside its choices.
        (question, "not-a-choice", {})
        for question in choice_questions()
    ]
    + [
        ("python_version", "3.9", {}),
        ("python_version", "3.16", {}),
        # End of life: offered to no new project, only kept by one updated from an earlier release.
        ("python_version", "3.10", {}),
    ]
)
VALIDATED = {name for name, spec in questions().items() if "validator" in spec}


def corpus_id(case) -> str:
    question, value, _ = case
    return f"{question}={value!r}"


def test_corpus_covers_every_validator_and_choice():
    covered = {question for question, _, _ in CORPUS}
    assert covered >= VALIDATED, f"validators without a bad answer: {VALIDATED - covered}"
    assert set(choice_questions()) <= covered
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("case", CORPUS, ids=map(corpus_id, CORPUS))
def test_bad_answer_is_refused_and_nothing_written(copier, tmp_path: Path, case):
    question, value, context = case
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=rf"'{question}'") as refused:
        copier.copy(destination, **answers_for(**context, **{question: value}))
    reason = str(refused.value).split(f"'{question}'", 1)[1]
    assert len(reason.strip(" :")) > 10, f"refusal of {question} gives no reason: {refused.value}"
    assert not destination.exists(), f"{destination} was written although '{question}' was refused"


def named(question: str, value: str):
    """The corpus case for this answer, found by name so editing the corpus cannot change what is picked."""
    (case,) = [case for case in CORPUS if case[:2] == (question, value)]
    return case


@pytest.mark.parametrize("case", [named("project_slug", "My App"), named("port", "80")], ids=corpus_id)
def test_command_line_refusal_names_the_question(copier_template: Path, tmp_path: Path, case):
    question, value, context = case
    destination = tmp_path / "project"
    data = [arg for key, val in {**context, question: value}.items() for arg in ("--data", f"{key}={val}")]
    result = copier_cli("copy", "--trust", "--defaults", *data, str(copier_template), str(destination))
    assert result.returncode != 0
    assert f"Validation error for question '{question}'" in result.stderr
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
