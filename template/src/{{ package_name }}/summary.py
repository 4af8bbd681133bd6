"""Running statistics per column: a fixed handful of numbers each, whatever the row count."""

from __future__ import annotations

import itertools
import json
import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

MAX_COLUMNS = 2048
DISTINCT_LIMIT = 512
# ASCII-only number syntax: float() alone would also take "1_000", " 7 " or Arabic-Indic digits.
NUMBER = re.compile(r"[+-]?(?:(?P<integer>\d+)|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|nan|inf|infinity)", re.I | re.A)


class DataError(ValueError):
    """The input exists but its content cannot be summarised."""


def cell_number(cell: str) -> int | float | None:
    """The number a CSV or TSV cell holds, or None for text."""
    match = NUMBER.fullmatch(cell.strip(" "))
    return None if match is None else int(match[0]) if match["integer"] else float(match[0])


def json_number(value: Any) -> int | float | None:
    """The number a JSON value is, or None: strings such as "3" and booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value) if isinstance(value, Decimal) else value


class Column:
    def __init__(self) -> None:
        self.present = self.numbers = self.non_finite = self.text = self.int_total = 0
        self.float_total = 0.0
        self.minimum: Any = None
        self.maximum: Any = None
        # Hashes, not values: a column of huge strings costs no more than one of short ones.
        self.distinct: set[int] | None = set()

    def add(self, number: int | float | None, key: str) -> None:
        self.present += 1
        if self.distinct is not None:
            self.distinct.add(hash(key))
            self.distinct = self.distinct if len(self.distinct) <= DISTINCT_LIMIT else None
        if number is None:
            self.text += 1
        elif isinstance(number, float) and not math.isfinite(number):
            self.non_finite += 1
        else:
            self.numbers += 1
            if isinstance(number, int):
                self.int_total += number
            else:
                self.float_total += number
            self.minimum = number if self.minimum is None else min(self.minimum, number)
            self.maximum = number if self.maximum is None else max(self.maximum, number)

    def mean(self) -> int | float | None:
        """Exact for any integers: a mean too large for a float is given as the nearest integer."""
        if not math.isfinite(self.float_total):
            return None
        try:
            return round((self.int_total + self.float_total) / self.numbers, 6)
        except OverflowError:
            return round((Fraction(self.int_total) + Fraction(self.float_total)) / self.numbers)

    def result(self, rows: int) -> dict[str, Any]:
        column: dict[str, Any] = {"present": self.present, "missing": rows - self.present}
        if self.present == 0:
            return {**column, "type": "empty"}
        if self.text:
            capped = {"distinct": DISTINCT_LIMIT, "distinct_capped": True}
            return {**column, "type": "text", **(capped if self.distinct is None else {"distinct": len(self.distinct)})}
        if self.numbers:
            column.update(type="number", min=self.minimum, max=self.maximum, mean=self.mean())
        return {**column, "type": "number", **({"non_finite": self.non_finite} if self.non_finite else {})}


class Summary:
    def __init__(self, path: str, file_type: str) -> None:
        self.path, self.file_type, self.rows = path, file_type, 0
        self.columns: dict[str, Column] = {}

    def column(self, name: str) -> Column:
        if name not in self.columns and len(self.columns) >= MAX_COLUMNS:
            raise DataError(f"more than {MAX_COLUMNS} distinct columns")
        return self.columns.setdefault(name, Column())

    def add_object(self, row: dict[str, Any]) -> None:
        self.rows += 1
        for name, value in row.items():
            if value is not None:
                key = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
                self.column(name).add(json_number(value), key)

    def header(self, names: list[str]) -> list[str]:
        """Columns for a header row, made unique (`a`, `a_2`) and named when blank (`column_3`): one note each."""
        # Refused before any renaming: a header of a million columns is one error, not a million warnings.
        if len(names) > MAX_COLUMNS:
            raise DataError(f"more than {MAX_COLUMNS} distinct columns")
        taken, seen, notes = set(names), set(), []
        for position, raw in enumerate(names, start=1):
            name = raw if raw.strip() else f"column_{position}"
            if name in seen:
                name = next(new for n in itertools.count(2) if (new := f"{name}_{n}") not in taken and new not in seen)
            if name != raw:
                notes.append(f"column {position} {raw!r} renamed {name!r}")
            seen.add(name)
            self.column(name)
        return notes

    def result(self) -> dict[str, Any]:
        columns = {name: column.result(self.rows) for name, column in self.columns.items()}
        return {"path": self.path, "type": self.file_type, "rows": self.rows, "columns": columns}
