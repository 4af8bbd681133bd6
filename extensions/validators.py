"""Answer validators that need more than a regular expression, exposed to copier.yml as filters.

Each returns an empty string for a good answer, or one sentence naming the problem. Copier
refuses an answer whose validator renders to anything but whitespace.
"""

from __future__ import annotations

import keyword
import re
import sys

from jinja2 import Environment
from jinja2.ext import Extension

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
        "day of week",
        0,
        7,
        {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))},
    ),
)
CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
# Names that shadow what a project imports at run time, beyond the standard library itself.
RESERVED_PACKAGE_NAMES = {"test", "tests", "src", "app", "site"}


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
                return f"{where} value {value} is out of range {low}-{high}"
        if len(values) == 2 and values[0] > values[1]:
            return f"{where} range '{span}' runs backwards"
    return ""


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
    return ""


class Validators(Extension):
    """Registers the validators as Jinja filters for copier.yml."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["package_name_problem"] = package_name_problem
        environment.filters["cron_problem"] = cron_problem
