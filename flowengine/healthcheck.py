"""``python -m flowengine.healthcheck [URL] [--wait SECONDS]``: exit 0 when ``URL`` answers 200.

For container ``HEALTHCHECK``s and systemd's ``ExecStartPost`` (slim images have no curl): the
default URL is ``http://127.0.0.1:1880/healthz``; ``/readyz`` instead fails while the flows are not
started. ``--wait`` retries until the deadline (the server may still be starting). Prints the
answer's body, or why there is none, and exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request

__all__ = ["check", "main"]

DEFAULT_URL = "http://127.0.0.1:1880/healthz"
RETRY_S = 0.25


def check(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    """``(healthy, text)``: healthy when ``url`` answers 200; text is the body or the error."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}: {exc.read().decode('utf-8', 'replace')}"
    except (urllib.error.URLError, OSError) as exc:
        return False, f"no answer from {url}: {getattr(exc, 'reason', exc)}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m flowengine.healthcheck", description=__doc__.splitlines()[0])
    ap.add_argument("url", nargs="?", default=DEFAULT_URL)
    ap.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help="retry until healthy for this long")
    args = ap.parse_args(argv)
    deadline = time.monotonic() + max(0.0, args.wait)
    while True:
        healthy, text = check(args.url)
        if healthy or time.monotonic() >= deadline:
            print(text)
            return 0 if healthy else 1
        time.sleep(RETRY_S)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
