"""Free text reaches every generated language intact: TOML, Python, Dockerfile, YAML and shell."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from extensions import text

# Text a user may type: quotes of both kinds, backslashes, shell and Jinja syntax, accents.
FREE_TEXT = [
    "plain",
    'Ça "va" l\'été',
    "back\\slash \\",
    '"leading and trailing"',
    "$HOME ${USER} `id`",
    "{{ x }} {% raw %} %s %(name)s",
    '""" triple',
    "'''",
    "tab\there",
    "z" * 130,
    "word " * 40,
]


@pytest.mark.parametrize("value", FREE_TEXT)
def test_toml_string_reads_back_exactly(value):
    assert tomllib.loads(f"key = {text.toml_string(value)}")["key"] == value


@pytest.mark.parametrize("value", FREE_TEXT)
def test_python_string_reads_back_exactly(value):
    assert ast.literal_eval(text.python_string(value, column=8)) == value


@pytest.mark.parametrize("value", FREE_TEXT)
def test_python_docstring_reads_back_with_its_words(value):
    docstring = ast.get_docstring(ast.parse(text.python_docstring(value)), clean=False)
    assert docstring.split() == value.split()


def test_python_literals_are_what_ruff_format_would_write(tmp_path):
    lines = []
    for number, value in enumerate(FREE_TEXT):
        lines += [f"VALUE_{number} = {text.python_string(value, column=len(f'VALUE_{number} = '))}"]
    for value in FREE_TEXT:
        lines += ["", "", "def g():", f"    {text.python_docstring(value, indent=4)}"]
    source = tmp_path / "literals.py"
    source.write_text("\n".join(lines) + "\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.ruff]\nline-length = {text.PYTHON_LINE_LENGTH}\n")
    for command in (["format", "--check", "--diff"], ["check", "--select", "E,W,RUF"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", str(source)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def dockerfile_word(word: str) -> str:
    """A word as BuildKit's shell lexer reads it: quotes removed, escapes undone, `$` left to expand."""
    value, position, quoted = "", 0, False
    while position < len(word):
        character = word[position]
        if character == '"':
            quoted = not quoted
        elif character == "\\" and (not quoted or word[position + 1] in '"$\\'):
            position += 1
            value += word[position]
        else:
            assert character != "$", f"unescaped $ would expand in {word}"
            value += character
        position += 1
    assert not quoted, word
    return value


@pytest.mark.parametrize("value", FREE_TEXT)
def test_dockerfile_string_reads_back_exactly(value):
    assert dockerfile_word(text.dockerfile_string(value)) == value


def test_dockerfile_strings_pass_hadolint(tmp_path):
    labels = " \\\n      ".join(
        f"label{number}={text.dockerfile_string(value)}" for number, value in enumerate(FREE_TEXT)
    )
    (tmp_path / "Dockerfile").write_text(f"FROM scratch\nLABEL {labels}\n")
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("value", FREE_TEXT)
def test_yaml_string_reads_back_exactly(value):
    assert yaml.safe_load(f"key: {text.yaml_string(value)}")["key"] == value


def test_shell_quote_and_comment_text():
    assert text.shell_quote("/tmp/my project") == "'/tmp/my project'"
    assert text.comment_text("two\nlines") == "two lines"
