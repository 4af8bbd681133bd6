"""The suite's own tooling, shared by its tests, its benchmark, the stand-in images and the lock
regeneration: engine and compose access, rendering projects, git, reports."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
