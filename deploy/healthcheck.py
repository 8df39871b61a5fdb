#!/usr/bin/env python3
"""The image's HEALTHCHECK: exit 0 when this container's /healthz answers 200, else 1.

Standard library only (the image has no curl). The port is WEB_PORT (default 8080);
PODIUM_HEALTH_URL overrides the whole URL.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main() -> int:
    """Ask /healthz once; print why it failed."""
    port = os.environ.get("WEB_PORT") or "8080"
    url = os.environ.get("PODIUM_HEALTH_URL") or f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 (a fixed http URL)
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        print(f"{url}: {error.code} {error.read(500).decode(errors='replace')}", file=sys.stderr)
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
