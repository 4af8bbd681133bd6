"""What an update leaves to its user: the files with conflicts, and whether to relock.

The project lists conflicts with one shell command (its justfile's `conflicts` recipe and its CI
run the same line); copier's message after an update prints an `UpdateReport`, computed only
when printed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# Conflict markers copier leaves inline (only the outer two: a line of ======= is common in text), and
# the .rej files it leaves beside a file it could not merge. Exits 1, listing them, when there are any.
CONFLICTS_COMMAND = (
    "if { git grep --untracked -n -I -E '^(<{7}|>{7})( |$)'; git ls-files --others --exclude-standard '*.rej'; }"
    " | grep .; then exit 1; fi"
)


def changed(project: Path) -> list[str]:
    """What the update changed, added or removed: copier updates a clean tree and leaves its changes uncommitted."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "-z"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    entries = [entry for entry in result.stdout.split("\0") if entry]
    return sorted({entry[3:] for entry in entries if len(entry) > 3})


def conflicted(project: Path) -> list[str]:
    """Files holding conflict markers, and .rej files, as CONFLICTS_COMMAND finds them."""
    result = subprocess.run(["bash", "-c", CONFLICTS_COMMAND], cwd=project, capture_output=True, text=True)
    return sorted({line.split(":", 1)[0] for line in result.stdout.splitlines() if line})


class UpdateReport:
    """The part of the message after an update that depends on what it changed."""

    def __init__(self, project: Path, lock_command: str) -> None:
        self.project = project
        self.lock_command = lock_command

    def __str__(self) -> str:
        changes = changed(self.project)
        if not changes:
            return "The update changed no file: nothing to resolve or relock."
        lines = []
        if conflicts := conflicted(self.project):
            lines.append(f"{len(conflicts)} file(s) hold conflicts to resolve (markers, or a .rej file beside one):")
            lines += [f"  {name}" for name in conflicts]
            lines.append("List them again with `just conflicts`; CI fails while any is committed.")
        else:
            lines.append(f"{len(changes)} file(s) changed, none with a conflict: review them with `git diff`.")
        if "pyproject.toml" in changes:
            lines.append("pyproject.toml changed, and updates never touch your locks: relock (network needed):")
            lines.append(f"  {self.lock_command}")
        lines.append("Then run the tests and commit.")
        return "\n".join(lines)
