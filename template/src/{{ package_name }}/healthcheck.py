"""The container's HEALTHCHECK: asks /health over loopback with the standard library (no curl)."""

from __future__ import annotations

import os
import sys
from urllib.error import URLError
from urllib.request import urlopen


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}/health"
    try:
        with urlopen(url, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT") or "3")) as response:
            healthy = response.status == 200
    except (OSError, URLError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
