"""`faceparse serve`: the HTTP API and web page."""

from __future__ import annotations

from pathlib import Path

import typer

from ..imageio import DEFAULT_MAX_PIXELS


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
) -> None:
    """Serve POST /parse, the web page at /, GET /health and /openapi.json."""
    import uvicorn

    from ..server.app import create_app, default_factories

    app = create_app(default_factories(teacher), max_upload_mb, max_pixels)
    uvicorn.run(app, host=host, port=port, log_level="info")
