"""HTTP API and web page for parsing photos (`faceparse serve`)."""

from .app import create_app

__all__ = ["create_app"]
