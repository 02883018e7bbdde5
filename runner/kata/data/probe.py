"""Is any MNIST mirror reachable? A quick look before torchvision's download, which tries every mirror
for every file under the full time-out each (73 s offline before the fallback, issue 22).

`KATA_OFFLINE=1` skips the network altogether; `KATA_MNIST_MIRRORS` (URLs, comma-separated) replaces
torchvision's mirrors, for the probe and the download alike (a local mirror, or a test's closed port).
"""

from __future__ import annotations

import socket
import time
import urllib.parse
import urllib.request

from kata import settings

OFFLINE_ENV = "KATA_OFFLINE"
MIRRORS_ENV = "KATA_MNIST_MIRRORS"
PROBE_TIMEOUT_S = 2.5


def offline() -> bool:
    return settings.current().offline


def mirrors_override() -> list[str] | None:
    urls = settings.current().mnist_mirrors
    return [u if u.endswith("/") else u + "/" for u in urls] or None


def _endpoint(url: str) -> tuple[str, int] | None:
    """The host and port a download of `url` connects to first: its proxy's when one applies."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return None
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname):
        proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if proxy_parts.hostname:
            return proxy_parts.hostname, proxy_parts.port or 80
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def unreachable(mirrors: list[str], total_s: float = PROBE_TIMEOUT_S) -> str | None:
    """None when some mirror accepts a connection within `total_s` in all; else why not, in words."""
    endpoints = list(dict.fromkeys(e for e in (_endpoint(m) for m in mirrors) if e))
    if not endpoints:
        return None  # nothing to probe: let the download say what is wrong
    deadline = time.monotonic() + total_s
    reasons = []
    for host, port in endpoints:
        left = deadline - time.monotonic()
        if left <= 0:
            reasons.append(f"{host}: not tried, the probe's {total_s:g} s were spent")
            continue
        try:
            socket.create_connection((host, port), timeout=left).close()
            return None
        except OSError as exc:
            reasons.append(f"{host}:{port}: {' '.join(str(exc).split()) or type(exc).__name__}")
    return f"no network: no MNIST mirror answered within {total_s:g} s ({'; '.join(reasons)})"
