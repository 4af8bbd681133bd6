"""Steps that carry a generated project across template releases, run by copier.yml's _migrations.

Copier runs each step in the project's directory, before it computes the update ("before"
stage), so the answers file and the project's files already match the new release:

    _migrations:
      - version: "0.2.0"
        when: "{{ _stage == 'before' }}"
        command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/extensions/migrations.py",
                  "rename-answer", "old_name", "new_name"]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

ANSWERS_FILE = Path(".copier-answers.yml")


def _load(answers_file: Path) -> tuple[str, dict]:
    text = answers_file.read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    return header, yaml.safe_load(text) or {}


def _save(answers_file: Path, header: str, answers: dict) -> None:
    answers_file.write_text(header + yaml.safe_dump(answers, sort_keys=True, allow_unicode=True))


def rename_answer(old: str, new: str, answers_file: Path = ANSWERS_FILE) -> bool:
    """Keep the user's answer under the question's new name; False when there was none."""
    header, answers = _load(answers_file)
    if old not in answers:
        return False
    answers.setdefault(new, answers.pop(old))
    _save(answers_file, header, answers)
    return True


def remove_answer(name: str, answers_file: Path = ANSWERS_FILE) -> bool:
    header, answers = _load(answers_file)
    if answers.pop(name, None) is None:
        return False
    _save(answers_file, header, answers)
    return True


def move_file(old: Path, new: Path) -> bool:
    """Move a file the template moved, keeping the user's edits (and git history when tracked).

    Copier then sees the file as added by both sides: lines the user had added come back
    between conflict markers, so a release that moves a file announces it in CHANGELOG.md.
    """
    if not old.exists() or new.exists():
        return False
    new.parent.mkdir(parents=True, exist_ok=True)
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", str(old)], capture_output=True).returncode == 0
    if tracked:
        subprocess.run(["git", "mv", str(old), str(new)], check=True, capture_output=True)
    else:
        old.rename(new)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Migration steps between template releases.")
    steps = parser.add_subparsers(dest="step", required=True)
    rename = steps.add_parser("rename-answer")
    rename.add_argument("old")
    rename.add_argument("new")
    remove = steps.add_parser("remove-answer")
    remove.add_argument("name")
    move = steps.add_parser("move-file")
    move.add_argument("old", type=Path)
    move.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.step == "rename-answer":
        done = rename_answer(args.old, args.new)
    elif args.step == "remove-answer":
        done = remove_answer(args.name)
    else:
        done = move_file(args.old, args.new)
    print(f"migration {args.step}: {'done' if done else 'nothing to do'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
