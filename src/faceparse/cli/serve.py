"""`faceparse serve`: the HTTP API and web page."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from ..imageio import DEFAULT_MAX_PIXELS
from .options import Backend, Device, Threads, Workers


def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port."),
    max_upload_mb: float = typer.Option(20.0, help="Larger uploads get 413."),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS, min=1, help="Photos with more pixels get 413 (read from the header)."
    ),
    teacher: Path | None = typer.Option(
        None, help="Skin/clothes/hair ONNX for the 'landmarks' model's hair and outer skin."
    ),
    allowed_host: list[str] = typer.Option(
        None,
        help="Host header to answer besides loopback names and --host (repeatable; * for any). "
        "Other names are refused, so a web page cannot reach the server through DNS rebinding.",
    ),
    allowed_origin: list[str] = typer.Option(
        None,
        help="Web origin (https://app.example) whose pages may POST here (repeatable); the "
        "server's own page always may, other sites' never.",
    ),
    parse_slots: int = typer.Option(
        2, min=1, help="Photos read, decoded and parsed at once per worker process."
    ),
    slot_wait: float = typer.Option(
        10.0, min=0, help="Seconds a photo waits for a slot before 503 with Retry-After."
    ),
    body_timeout: float = typer.Option(
        60.0, min=1, help="Seconds an upload may take to arrive before 408."
    ),
    backend: Backend = "auto",
    device: Device = "auto",
    threads: Threads = 1,
    workers: Workers = 1,
) -> None:
    """Serve POST /parse, the web page at /, GET /health and /openapi.json."""
    import uvicorn

    from ..server.app import SERVER_ENV

    settings = {
        "max_upload_mb": max_upload_mb,
        "max_pixels": max_pixels,
        "teacher": str(teacher) if teacher else None,
        "backend": backend,
        "threads": threads,
        "device": device,
        "allowed_hosts": allowed_hosts(host, allowed_host or []),
        "allowed_origins": allowed_origin or [],
        "parse_slots": parse_slots,
        "slot_wait_s": slot_wait,
        "body_timeout_s": body_timeout,
    }
    os.environ[SERVER_ENV] = json.dumps(settings)
    uvicorn.run(
        "faceparse.server.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        timeout_keep_alive=5,  # an idle connection is closed after 5 s
    )


def allowed_hosts(listen: str, extra: list[str]) -> list[str]:
    """Loopback names, the address listened on (unless a wildcard: then only what is named)
    and the extra names."""
    from ..server.site_guard import LOOPBACK_HOSTS

    own = [] if listen in ("0.0.0.0", "::", "") else [listen]
    return [*LOOPBACK_HOSTS, *own, *extra]
