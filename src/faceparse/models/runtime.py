"""Running a parser for inference: numpy batches in, class probabilities out, on onnxruntime or
torch.

onnxruntime ran the shipped student parser 4.2× faster than torch fp32 on the 2-core CPU of
issue #17, with the same labels (tests/models/test_runtime.py bounds the difference), so it is
the default. The ONNX file is exported once per parser file and kept in the cache folder
(`cache_dir()`), keyed by the parser file's contents: later runs load it directly.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import UnknownNameError
from .files import ParserCard
from .onnx import OPSET, export_onnx, onnx_session

BACKENDS = ("onnx", "torch")
Runner = Callable[[np.ndarray], np.ndarray]  # N×C×S×S float32 inputs -> N×K×S×S probabilities


def set_threads(threads: int) -> None:
    """Threads torch and OpenCV use in this process (onnxruntime sessions take theirs when
    made). One per process is the default of the CLI and the server: on a busy machine, extra
    threads per process spin against each other (issue #17 measured 3.7× slower runs)."""
    import cv2

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def cache_dir() -> Path:
    """$FACEPARSE_CACHE_DIR, else $XDG_CACHE_HOME/faceparse (~/.cache/faceparse)."""
    explicit = os.environ.get("FACEPARSE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faceparse"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Over axis 1, in float32, in one buffer."""
    e = logits - logits.max(1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(1, keepdims=True)
    return e


def cached_onnx(net: nn.Module, card: ParserCard, source: Path) -> Path:
    """The ONNX export of `net` (dynamic batch, card.size input), made once per source file."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    path = cache_dir() / "onnx" / f"{card.modality}-{card.arch}-{digest}-opset{OPSET}.onnx"
    if not path.is_file():
        channels = 3 if card.modality == "rgb" else 1
        meta = {"label_space": card.space, "source": str(source)}
        with warnings.catch_warnings():  # the tracer's notes on Python-side branches
            warnings.simplefilter("ignore")
            export_onnx(net, path, channels, card.size, meta)
    return path


def parser_runner(
    net: nn.Module,
    card: ParserCard,
    source: Path,
    backend: str = "onnx",
    threads: int | None = None,
) -> Runner:
    """A function from a normalised input batch to class probabilities."""
    if backend == "onnx":
        session = onnx_session(cached_onnx(net, card, source), threads)
        return lambda x: softmax(session.run(None, {"input": x})[0])
    if backend == "torch":
        net = net.eval()

        def run(x: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return net(torch.from_numpy(x)).softmax(1).numpy()

        return run
    raise UnknownNameError("backend", backend, BACKENDS)
