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
import json
import os
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse

from ..errors import DataError, FaceparseError
from ..imageio import DEFAULT_MAX_PIXELS, decode_rgb, encode_png, frames_in, frames_note
from ..parsing.catalog import MODEL_NAMES, models_help
from ..visualize import depth_to_rgb
from .request_limits import BodyDeadline, ParseSlots, UploadLimit
from .site_guard import LOOPBACK_HOSTS, SiteGuard

# "model": the parser's own classes (the default parser's are CelebAMask-HQ's 19).
SPACES = ("model", "celebamask-hq", "lapa", "helen", "fasseg")
OUTPUTS = ("labels", "overlay", "depth")


def _png_base64(array: np.ndarray) -> str:
    return base64.b64encode(encode_png(array)).decode("ascii")


def default_factories(
    teacher: str | Path | None = None,
    backend: str = "auto",
    threads: int | None = None,
    device: str = "auto",
) -> dict[str, Callable[[], Any]]:
    from ..parsing import FaceParser

    def factory(name: str) -> Callable[[], Any]:
        return lambda: FaceParser.load(
            name, teacher=teacher, backend=backend, threads=threads, device=device
        )

    return {name: factory(name) for name in MODEL_NAMES}


SERVER_ENV = "FACEPARSE_SERVER"  # JSON of create_app_from_env's settings, for worker processes


def create_app_from_env() -> FastAPI:
    """The app as `faceparse serve` configured it, rebuilt in each uvicorn worker process
    (uvicorn starts workers from an import string, so the settings travel in the environment)."""
    from ..models.runtime import set_threads

    settings = json.loads(os.environ.get(SERVER_ENV, "{}"))
    threads = settings.get("threads", 1)
    set_threads(threads)
    factories = default_factories(
        settings.get("teacher"),
        settings.get("backend", "auto"),
        threads,
        settings.get("device", "auto"),
    )
    return create_app(
        factories,
        settings.get("max_upload_mb", 20.0),
        settings.get("max_pixels", DEFAULT_MAX_PIXELS),
        settings.get("allowed_hosts", LOOPBACK_HOSTS),
        settings.get("allowed_origins", ()),
        settings.get("parse_slots", 2),
        settings.get("slot_wait_s", 10.0),
        settings.get("body_timeout_s", 60.0),
    )


class ParserPool:
    """One parser per model name, built on first use, each used by one request at a time.

    A parser that raised anything but a FaceparseError (a bad input it rejected cleanly) may be
    left broken (a MediaPipe graph stays in error), so it is dropped and built afresh for the
    next request; `states()` says where each model stands."""

    def __init__(self, factories: dict[str, Callable[[], Any]]):
        self.factories = factories
        self._parsers: dict[str, Any] = {}
        self._states = {name: "not loaded" for name in factories}
        self._locks = {name: threading.Lock() for name in factories}

    def loaded(self) -> list[str]:
        return sorted(self._parsers)

    def states(self) -> dict[str, str]:
        return dict(self._states)

    def run(self, model: str, image: np.ndarray, depth: str | None, space: str | None):
        with self._locks[model]:
            if model not in self._parsers:
                try:
                    self._parsers[model] = self.factories[model]()
                except Exception as e:
                    self._states[model] = f"failed to load ({_one_line(e)})"
                    raise
                self._states[model] = "ready"
            try:
                return self._parsers[model](image, depth=depth, space=space)
            except FaceparseError:
                raise
            except Exception as e:
                self._parsers.pop(model).close()
                self._states[model] = f"rebuilt on next request after an error ({_one_line(e)})"
                raise


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200]


def create_app(
    factories: dict[str, Callable[[], Any]] | None = None,
    max_upload_mb: float = 20.0,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    allowed_origins: Sequence[str] = (),
    parse_slots: int = 2,
    slot_wait_s: float = 10.0,
    body_timeout_s: float = 60.0,
) -> FastAPI:
    """The app. `allowed_hosts` and `allowed_origins`: who may reach it (`site_guard`);
    `parse_slots`, `slot_wait_s` and `body_timeout_s`: how many photos it takes at once, how
    long the next one waits for a slot before 503, how long an upload may take before 408
    (`request_limits`)."""
    app = FastAPI(
        title="faceparse",
        summary="Face parsing: label every face pixel as skin, brows, eyes, nose, lips, hair…",
        docs_url=None,  # the interactive docs page loads scripts from the internet
        redoc_url=None,
    )
    pool = ParserPool(factories or default_factories())
    limit = int(max_upload_mb * 2**20)
    app.state.pool = pool

    # The multipart framing around the photo gets 64 KiB on top of the photo's own limit.
    app.add_middleware(
        UploadLimit, limit=limit + 2**16, message=f"upload larger than {max_upload_mb:g} MB"
    )
    app.add_middleware(BodyDeadline, seconds=body_timeout_s)
    app.add_middleware(ParseSlots, slots=parse_slots, wait_s=slot_wait_s)
    # added last, so it runs first: a refused request is never read
    app.add_middleware(SiteGuard, allowed_hosts=allowed_hosts, allowed_origins=allowed_origins)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return (resources.files("faceparse.server") / "page.html").read_text()

    @app.get("/health")
    def health() -> dict:
        """Liveness, the models offered, those loaded, and the state of each: not loaded,
        ready, failed to load, or rebuilt on the next request after an error."""
        return {
            "status": "ok",
            "models": list(pool.factories),
            "loaded": pool.loaded(),
            "model_states": pool.states(),
            "max_upload_mb": max_upload_mb,
            "max_pixels": max_pixels,
        }

    @app.post("/parse")
    def parse(
        image: Annotated[UploadFile, File(description="A photo (JPEG, PNG, WebP, TIFF, BMP).")],
        space: Annotated[
            str, Form(description=f"Label space: {', '.join(SPACES)} (the parser's own).")
        ] = "model",
        model: Annotated[str, Form(description=f"Parser: {models_help()}.")] = "default",
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
        photo, frames = _read_upload(image, limit, max_pixels)
        try:
            result = pool.run(
                model,
                photo,
                "auto" if depth == "auto" else None,
                None if space == "model" else space,
            )
        except FaceparseError as e:
            raise HTTPException(422, f"{image.filename or 'upload'}: {e}") from None
        except Exception:
            raise HTTPException(
                500, "internal error while parsing; the model is rebuilt for the next request"
            ) from None
        body = result.summary()
        body["source"] = image.filename
        if note := frames_note(frames):
            body["notes"].append(note)
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


def _read_upload(upload: UploadFile, limit: int, max_pixels: int | None) -> tuple[np.ndarray, int]:
    """The uploaded photo as RGB and how many frames its file holds, or a 4xx that says what
    is wrong with it."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"upload larger than {limit / 2**20:g} MB")
    name = Path(upload.filename or "upload").name
    try:
        return decode_rgb(data, name, max_pixels), frames_in(data)
    except DataError as e:
        raise HTTPException(413 if e.kind == "too_large" else 400, f"{name}: {e.reason}") from None
