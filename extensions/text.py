"""Free text (names, descriptions) written into a generated file, escaped for that file's language.

A template prints an answer a user typed only through one of these filters, so a quote, a
backslash or a `$` reaches the file's reader literally instead of ending a string or expanding.
"""

from __future__ import annotations

import re
import shlex
import textwrap

from jinja2 import Environment
from jinja2.ext import Extension

# The line length of the generated project's ruff configuration (template/pyproject.toml.jinja).
PYTHON_LINE_LENGTH = 120
TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _unicode_escape(character: str) -> str:
    code = ord(character)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def toml_string(text: str) -> str:
    """A TOML basic string, quotes included."""
    body = "".join(
        TOML_ESCAPES.get(character, character if character.isprintable() else _unicode_escape(character))
        for character in str(text)
    )
    return f'"{body}"'


def _python_body(text: str, quote: str) -> str:
    """Escape backslashes, the quote and unprintable characters of a Python string body."""
    escaped = []
    for character in str(text):
        if character in ("\\", quote):
            escaped.append("\\" + character)
        elif character.isprintable():
            escaped.append(character)
        else:
            escaped.append(repr(character)[1:-1])
    return "".join(escaped)


def _python_literal(text: str) -> str:
    """One literal, quoted the way ruff format quotes it: double, unless single quotes need fewer escapes."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _python_body(text, quote) + quote


def python_string(text: str, column: int = 0, indent: int = 0) -> str:
    """A Python string expression starting at `column` of a statement indented by `indent`.

    Too long for its line, it becomes parenthesised literals split after spaces, as ruff format keeps them.
    """
    text = str(text)
    literal = _python_literal(text)
    if column + len(literal) <= PYTHON_LINE_LENGTH:
        return literal
    margin = " " * (indent + 4)
    room = PYTHON_LINE_LENGTH - len(margin)
    parts = [""]
    for word in re.findall(r"\S+\s*|\s+", text):
        # A word longer than a line is split between characters: the literals concatenate back to it.
        pieces = [word] if len(_python_literal(word)) <= room else list(word)
        for piece in pieces:
            if parts[-1] and len(_python_literal(parts[-1] + piece)) > room:
                parts.append("")
            parts[-1] += piece
    if len(parts) == 1:
        return literal
    lines = [margin + _python_literal(part) for part in parts]
    return "(\n" + "\n".join(lines) + "\n" + " " * indent + ")"


def python_docstring(text: str, indent: int = 0) -> str:
    """A docstring literal that stays within the line length, wrapped on spaces when it must."""
    body = _python_body(" ".join(str(text).split()), '"')
    margin = " " * indent
    if indent + len(body) + 6 <= PYTHON_LINE_LENGTH:
        return f'"""{body}"""'
    lines = textwrap.wrap(
        body,
        width=PYTHON_LINE_LENGTH - indent,
        initial_indent='"""',
        break_long_words=False,
        break_on_hyphens=False,
    )
    if len(lines) == 1:
        return f'"""{body}"""'
    return "\n".join([lines[0], *(margin + line for line in lines[1:]), margin + '"""'])


def dockerfile_string(text: str) -> str:
    """A double-quoted Dockerfile word (LABEL, ENV): no `$` expansion, quotes and backslashes literal.

    A backslash goes outside the quotes, as `"\\\\"`: hadolint's parser misreads an escaped one before a quote.
    """
    escapes = {"\\": '"\\\\"', '"': '\\"', "$": "\\$"}
    return '"' + "".join(escapes.get(character, character) for character in str(text)) + '"'


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar: JSON's escapes are YAML's."""
    body = "".join(
        {'"': '\\"', "\\": "\\\\"}.get(character, character if character.isprintable() else _unicode_escape(character))
        for character in str(text)
    )
    return f'"{body}"'


def comment_text(text: str) -> str:
    """Text for the rest of a comment line: anything but a line break is fine after `#`."""
    return " ".join(str(text).split())


def shell_quote(text: str) -> str:
    """One POSIX shell word, for commands a user copies from a message."""
    return shlex.quote(str(text))


FILTERS = {
    "toml_string": toml_string,
    "python_string": python_string,
    "python_docstring": python_docstring,
    "dockerfile_string": dockerfile_string,
    "yaml_string": yaml_string,
    "comment_text": comment_text,
    "shell_quote": shell_quote,
}


class TextFilters(Extension):
    """Registers the escaping filters for the template files and copier.yml's messages."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
