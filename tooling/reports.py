"""Per-variant records of the image harness, and the one report a run gathers from them."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from tooling import REPO

REPORT_DIR = REPO / "reports" / "variants"
HARNESS_REPORT = REPO / "reports" / "harness.json"


@dataclass
class VariantReport:
    """One machine-readable record per variant, gathered into reports/harness.json."""

    variant: str
    answers: dict[str, Any]
    build_seconds: float | None = None
    image_mb: float | None = None
    seconds_to_healthy: float | None = None
    seconds_to_exit: float | None = None
    stop_seconds: float | None = None
    uid: int | None = None
    checks: dict[str, str] = field(default_factory=dict)
    outcome: str = "running"

    @contextmanager
    def check(self, name: str):
        """Record the outcome of the block under this name, and add it to the variant's file."""
        try:
            yield
        except BaseException as error:
            self.checks[name] = f"failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
            raise
        else:
            self.checks[name] = "passed"
        finally:
            self.write()

    def write(self) -> None:
        """Merge this record into the variant's file: every check adds its outcome, whichever worker ran it."""
        with _locked():
            path = REPORT_DIR / f"{self.variant}.json"
            stored = json.loads(path.read_text()) if path.exists() else {}
            record = {key: stored.get(key) if value is None else value for key, value in asdict(self).items()}
            record["checks"] = {**stored.get("checks", {}), **self.checks}
            record["outcome"] = "passed" if all(value == "passed" for value in record["checks"].values()) else "failed"
            path.write_text(json.dumps(record, indent=2))


def skip(variant: str, answers: dict[str, Any], reason: str) -> None:
    """Record that a variant could not run here, and why."""
    with _locked():
        record = {"variant": variant, "answers": answers, "outcome": "skipped", "reason": reason}
        (REPORT_DIR / f"{variant}.json").write_text(json.dumps(record, indent=2))


@contextmanager
def _locked():
    """The records' directory, held by this process alone (xdist workers may share a variant)."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(REPORT_DIR, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def reset() -> None:
    """Forget the records of an earlier run."""
    shutil.rmtree(REPORT_DIR, ignore_errors=True)


def gather(started: float) -> None:
    """Write reports/harness.json from the per-variant records of this run: totals, skips, every record."""
    if not REPORT_DIR.is_dir():
        return
    found = [json.loads(path.read_text()) for path in sorted(REPORT_DIR.glob("*.json"))]
    records = [record for record in found if record["outcome"] != "skipped"]
    checks = [outcome for record in records for outcome in record["checks"].values()]
    report = {
        "wall_seconds": round(time.time() - started, 1),
        "variants_built": sum(1 for record in records if record["build_seconds"] is not None),
        "variants_passed": sum(1 for record in records if record["outcome"] == "passed"),
        "checks_passed": sum(1 for outcome in checks if outcome == "passed"),
        "checks_failed": sum(1 for outcome in checks if outcome != "passed"),
        "skipped": {record["variant"]: record["reason"] for record in found if record["outcome"] == "skipped"},
        "variants": records,
    }
    HARNESS_REPORT.write_text(json.dumps(report, indent=2))
