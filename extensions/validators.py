"""Answer validators that need more than a regular expression, exposed to copier.yml as filters.

Each returns an empty string for a good answer, or one sentence naming the problem. Copier
refuses an answer whose validator renders to anything but whitespace.
"""

from __future__ import annotations

import calendar
import importlib.util
import keyword
import re
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context


def _sibling(name: str) -> ModuleType:
    """A module beside this one: copier loads extensions by file path, so a package import fails there.

    It is named as a sibling in this module's package, where its own relative imports (context's model) resolve.
    """
    spec = importlib.util.spec_from_file_location(f"{__package__}.{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


context = context_module = _sibling("context")

CRON_FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {
            name: number
            for number, name in enumerate(
                ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
            )
        },
    ),
    (
        # Kubernetes' CronJob parser takes 0-6 only, where some crons also take 7 for Sunday.
        "day of week",
        0,
        6,
        {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))},
    ),
)
CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
# Names that shadow what a project imports at run time, beyond the standard library itself.
RESERVED_PACKAGE_NAMES = {"test", "tests", "src", "app", "site"}
# Longest project_slug and package_name: a Kubernetes name (DNS label), and short enough that
# every generated Python line naming them stays within ruff's line length.
NAME_MAX_LENGTH = 63
PROJECT_SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
# Fallbacks that make a default valid: a slug must start with a letter, a package must shadow nothing.
SLUG_PREFIX = "project"
PACKAGE_SUFFIX = "_app"
SLUG_SUFFIX = "-app"


def free_text_problem(text: str, question: str) -> str:
    """One line of printable text: a line break or control character has no literal form in a LABEL."""
    if any(not character.isprintable() for character in str(text)):
        return f"{question} must be one line of printable text: got {str(text)!r}"
    return ""


def project_slug_problem(slug: str) -> str:
    if not PROJECT_SLUG.fullmatch(slug):
        return (
            "project_slug must start with a lowercase letter and hold only a-z, 0-9 and single hyphens, "
            f"not at the end: got '{slug}'"
        )
    if len(slug) > NAME_MAX_LENGTH:
        return f"project_slug must be at most {NAME_MAX_LENGTH} characters: got {len(slug)}"
    if slug.replace("-", "_") in context.dependency_import_names():
        # uv and pip resolve the project and its dependency as one package: the lock cannot be made.
        return f"project_slug '{slug}' is the name of a package the project installs; choose another, like '{slug}-app'"
    return ""


def slugify(text: str) -> str:
    """A valid project_slug from any name: accents transliterated (Café gives cafe), a letter first."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug[:1].isalpha():
        slug = f"{SLUG_PREFIX}-{slug}".rstrip("-")
    slug = slug[:NAME_MAX_LENGTH].rstrip("-")
    if project_slug_problem(slug):
        slug = slug[: NAME_MAX_LENGTH - len(SLUG_SUFFIX)].rstrip("-") + SLUG_SUFFIX
    return slug


def package_name_from(slug: str) -> str:
    """A valid package_name from a slug: a name that would shadow a module gets a suffix."""
    name = slug.replace("-", "_")[:NAME_MAX_LENGTH].rstrip("_")
    if package_name_problem(name):
        name = name[: NAME_MAX_LENGTH - len(PACKAGE_SUFFIX)].rstrip("_") + PACKAGE_SUFFIX
    return name


def package_name_problem(name: str) -> str:
    if not name.isidentifier():
        return f"package_name must be a valid Python identifier: got '{name}'"
    if name != name.lower():
        return f"package_name must be lowercase: got '{name}'"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"package_name must not be a Python keyword: got '{name}'"
    if name in sys.stdlib_module_names:
        return f"package_name must not shadow the standard-library module '{name}'"
    if name in RESERVED_PACKAGE_NAMES or name.startswith("_"):
        return f"package_name '{name}' would shadow a common module or be private; choose a distinctive name"
    if name in context.dependency_import_names():
        return f"package_name must not shadow the module '{name}' that the project's dependencies install"
    if len(name) > NAME_MAX_LENGTH:
        return f"package_name must be at most {NAME_MAX_LENGTH} characters: got {len(name)}"
    return ""


def _cron_value(token: str, field: tuple) -> int | None:
    _, _, _, names = field
    if token.upper() in names:
        return names[token.upper()]
    return int(token) if token.isdigit() else None


def _cron_field_problem(text: str, position: int) -> str:
    field = CRON_FIELDS[position]
    label, low, high, _ = field
    where = f"schedule field {position + 1} ({label})"
    for part in text.split(","):
        match = re.fullmatch(r"(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/([0-9]+))?", part)
        if not match:
            return f"{where} has an unreadable part '{part}'"
        span, step = match.groups()
        if step is not None and int(step) == 0:
            return f"{where} has a zero step in '{part}'"
        if span == "*":
            continue
        bounds = span.split("-")
        values = [_cron_value(token, field) for token in bounds]
        for token, value in zip(bounds, values, strict=True):
            if value is None:
                return f"{where} has an unknown value '{token}'"
            if not low <= value <= high:
                sunday = " (Sunday is 0)" if label == "day of week" else ""
                return f"{where} value {value} is out of range {low}-{high}{sunday}"
        if len(values) == 2 and values[0] > values[1]:
            return f"{where} range '{span}' runs backwards"
    return ""


def _cron_values(text: str, position: int) -> set[int]:
    """The values a well-formed field matches."""
    field = CRON_FIELDS[position]
    _, low, high, _ = field
    values: set[int] = set()
    for part in text.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            start, end = low, high
        else:
            bounds = [_cron_value(token, field) for token in span.split("-")]
            start, end = bounds[0], bounds[-1]
            if step and len(bounds) == 1:
                end = high
        values.update(range(start, end + 1, int(step or 1)))
    return values


def _never_fires(fields: list[str]) -> bool:
    """Days of month that no listed month has, with every weekday allowed (else cron ORs the two)."""
    if fields[4] != "*":
        return False
    # A leap year's February has 29 days, so 0 0 29 2 * does fire, once every four years.
    longest = {month: calendar.monthrange(2024, month)[1] for month in range(1, 13)}
    days, months = _cron_values(fields[2], 2), _cron_values(fields[3], 3)
    return not any(day <= longest[month] for day in days for month in months)


def cron_problem(expression: str) -> str:
    expression = expression.strip()
    if expression in CRON_MACROS:
        return ""
    fields = expression.split()
    if len(fields) != len(CRON_FIELDS):
        return (
            f"schedule must have 5 fields (minute hour day-of-month month day-of-week) "
            f"or be one of {', '.join(sorted(CRON_MACROS))}: got '{expression}'"
        )
    for position, text in enumerate(fields):
        if problem := _cron_field_problem(text, position):
            return problem
    if _never_fires(fields):
        return f"schedule '{expression}' never fires: no month it names has that day of the month"
    return ""


YES_OR_NO = {"true", "false", "yes", "no", "on", "off", "1", "0", "y", "n"}


@pass_context
def yes_or_no_problem(context: Context, question: str) -> str:
    """A yes/no answer given as text: copier would read any word but a few as yes."""
    given = context_module.given(context).get(question)
    if isinstance(given, str) and given.strip().lower() not in YES_OR_NO:
        return f"{question} must be true or false (or yes/no): got '{given}'"
    return ""


@pass_context
def refused(context: Context, problem: str, question: str, value: str | None = None) -> str:
    """The validator's message for a prompt, or, for an answer given with --data, kept for the next render.

    Copier reports a failed validator with its own traceback; an answer given on the command line
    is refused instead by the context hook (context.refusal) as one message. `value` names the
    choice whose own validator this is.
    """
    problem = str(problem).strip()
    data = context_module.given(context)
    if not problem or question not in data or (value is not None and str(data[question]) != value):
        return problem
    context.environment.__dict__.setdefault(context_module.REFUSALS, {}).setdefault(question, problem)
    return ""


class Validators(Extension):
    """Registers the validators as Jinja filters for copier.yml."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["package_name_problem"] = package_name_problem
        environment.filters["project_slug_problem"] = project_slug_problem
        environment.filters["free_text_problem"] = free_text_problem
        environment.filters["cron_problem"] = cron_problem
        environment.filters["refused"] = refused
        environment.globals["yes_or_no_problem"] = yes_or_no_problem
        environment.filters["slugify_name"] = slugify
        environment.filters["package_name_from"] = package_name_from
