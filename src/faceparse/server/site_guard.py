"""Who may talk to the server: a Host allow-list and an Origin check (issue #26).

A server on 127.0.0.1 is still reachable from every web page its user opens: a page can POST
to it (a cross-site form or fetch), and through DNS rebinding (a name of the attacker's that
turns into 127.0.0.1) read its answers too. So:

* the Host header must name an allowed host (loopback names by default; `--allowed-host`, or
  `*` for any), which a rebound name never is: 400 otherwise;
* a request that is not a plain read (POST) and carries an Origin header must come from the
  page the server itself serves (the Origin's host and port are the Host header's) or from an
  allowed origin (`--allowed-origin https://app.example`): 403 otherwise. Clients that are not
  browsers (curl, scripts) send no Origin and pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def host_name(host: str) -> str:
    """'Example.org:8000' -> 'example.org'; '[::1]:8000' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def origin_host(origin: str) -> str | None:
    """'http://127.0.0.1:8000' -> '127.0.0.1:8000' (the netloc a Host header would give);
    None for 'null' and anything that is not a URL."""
    parts = urlsplit(origin.strip().lower())
    return (parts.netloc or None) if parts.scheme in ("http", "https") else None


class SiteGuard:
    """ASGI middleware that refuses requests from hosts and origins not allowed."""

    def __init__(self, app, allowed_hosts: Iterable[str], allowed_origins: Iterable[str] = ()):
        self.app = app
        self.hosts = {host_name(h) for h in allowed_hosts}
        self.origins = {o.strip().lower().rstrip("/") for o in allowed_origins}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if "*" not in self.hosts and host_name(host) not in self.hosts:
            detail = (
                f"Host {host!r} is not allowed; start the server with --allowed-host "
                f"{host_name(host) or 'NAME'} to serve it"
            )
            return await JSONResponse({"detail": detail}, 400)(scope, receive, send)
        origin = headers.get("origin")
        if scope["method"] not in SAFE_METHODS and origin is not None:
            same_site = origin_host(origin) == host.strip().lower()
            if not same_site and origin.strip().lower().rstrip("/") not in self.origins:
                detail = (
                    f"cross-site request from origin {origin!r} refused; allow it with "
                    f"--allowed-origin {origin}"
                )
                return await JSONResponse({"detail": detail}, 403)(scope, receive, send)
        return await self.app(scope, receive, send)
