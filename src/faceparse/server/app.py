"""The HTTP API and web page: `create_app()` -> a FastAPI app; `faceparse serve` runs it.

* `POST /parse` — multipart field `image`; options `space`, `model`, `depth`, `outputs`. JSON:
  faces, boxes, per-class areas, and the requested PNGs (labels, overlay, depth) as base64.
* `GET /` — the page (upload or drop a photo, toggle classes, see depth, download masks).
* `GET /health`, `GET /openapi.json`.

Each model is loaded once, on first use. A FaceParser is not thread-safe (MediaPipe graphs), so
each has a lock: requests run in FastAPI's thread pool and never share a parser mid-call.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from PIL import Image

from ..errors import DataError
from ..imageio import decode_rgb
from ..labels import get_label_space
from ..visualize import depth_to_rgb

SPACES = ("lapa", "helen", "fasseg")
OUTPUTS = ("labels", "overlay", "depth")


def _png_base64(array: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def default_factories(teacher: str | Path | None = None) -> dict[str, Callable[[], Any]]:
    from ..parsing import FaceParser

    return {
        "default": FaceParser.default,
        "landmarks": lambda: FaceParser.landmarks(teacher),
    }


class ParserPool:
    """One parser per model name, built on first use, each used by one request at a time."""

    def __init__(self, factories: dict[str, Callable[[], Any]]):
        self.factories = factories
        self._parsers: dict[str, Any] = {}
        self._locks = {name: threading.Lock() for name in factories}
        self._building = threading.Lock()

    def loaded(self) -> list[str]:
        return sorted(self._parsers)

    def run(self, model: str, image: np.ndarray, depth: str | None, space: str):
        with self._building:
            if model not in self._parsers:
                self._parsers[model] = self.factories[model]()
        parser = self._parsers[model]
        with self._locks[model]:
            # The output space is a cheap view of the same probabilities: switch it per call.
            parser.space = get_label_space(space)
            return parser(image, depth=depth)


def create_app(
    factories: dict[str, Callable[[], Any]] | None = None, max_upload_mb: float = 20.0
) -> FastAPI:
    app = FastAPI(
        title="faceparse",
        summary="Face parsing: label every face pixel as skin, brows, eyes, nose, lips, hair…",
        docs_url=None,  # the interactive docs page loads scripts from the internet
        redoc_url=None,
    )
    pool = ParserPool(factories or default_factories())
    limit = int(max_upload_mb * 2**20)
    app.state.pool = pool

    @app.middleware("http")
    async def refuse_large_uploads(request: Request, call_next):
        # Before the body is read: FastAPI spools a whole multipart upload before the endpoint
        # runs. (Uploads without a Content-Length are checked after reading, in _read_upload.)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + 2**16:
            return JSONResponse({"detail": f"upload larger than {max_upload_mb:g} MB"}, 413)
        return await call_next(request)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (resources.files("faceparse.server") / "page.html").read_text()

    @app.get("/health")
    def health() -> dict:
        """Liveness, the models offered and those already loaded."""
        return {
            "status": "ok",
            "models": list(pool.factories),
            "loaded": pool.loaded(),
            "max_upload_mb": max_upload_mb,
        }

    @app.post("/parse")
    def parse(
        image: Annotated[UploadFile, File(description="A photo (JPEG, PNG, WebP, TIFF, BMP).")],
        space: Annotated[str, Form(description=f"Label space: {', '.join(SPACES)}.")] = "lapa",
        model: Annotated[str, Form(description="Parser: default or landmarks.")] = "default",
        depth: Annotated[
            str, Form(description="none, or auto (rendered from the photo).")
        ] = "none",
        outputs: Annotated[str, Form(description="PNGs to return: labels,overlay,depth.")] = "",
    ) -> dict:
        """Parse every face in the photo. JSON: faces (box, score, keypoints), per-class
        areas in pixels, the classes and colours, and any PNGs asked for (base64)."""
        wanted = [o.strip() for o in outputs.split(",") if o.strip()]
        bad = [o for o in wanted if o not in OUTPUTS]
        if (
            bad
            or space not in SPACES
            or model not in pool.factories
            or depth not in ("none", "auto")
        ):
            raise HTTPException(
                422,
                f"options: outputs from {OUTPUTS}, space from {SPACES}, model from "
                f"{tuple(pool.factories)}, depth none|auto",
            )
        photo = _read_upload(image, limit)
        result = pool.run(model, photo, "auto" if depth == "auto" else None, space)
        body = result.summary()
        body["source"] = image.filename
        body["palette"] = [list(c) for c in result.space.palette]
        pngs = {}
        if "labels" in wanted:
            pngs["labels"] = _png_base64(result.labels)
        if "overlay" in wanted:
            pngs["overlay"] = _png_base64(result.overlay())
        if "depth" in wanted and result.depth is not None:
            pngs["depth"] = _png_base64(depth_to_rgb(result.depth))
        body["png"] = pngs
        return body

    return app


def _read_upload(upload: UploadFile, limit: int) -> np.ndarray:
    """The uploaded photo as RGB, or a 4xx that says what is wrong with it."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"upload larger than {limit / 2**20:g} MB")
    name = Path(upload.filename or "upload").name
    try:
        return decode_rgb(data, name)
    except DataError as e:
        raise HTTPException(400, f"{name}: {e.reason}") from None
