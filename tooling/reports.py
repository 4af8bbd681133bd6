"""Per-variant records of the image harness, and the one report a run gathers from them."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from tooling import REPO

REPORT_DIR = REPO / "reports" / "variants"


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
        try:
            yield
        except BaseException as error:
            self.checks[name] = f"failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
            raise
        self.checks[name] = "passed"

    def write(self) -> None:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        (REPORT_DIR / f"{self.variant}.json").write_text(json.dumps(asdict(self), indent=2))
