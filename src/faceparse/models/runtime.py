"""Running a parser for inference: numpy batches in, class probabilities out, on onnxruntime or
torch.

onnxruntime runs the shipped student-lite0 parser 3.9× faster than torch fp32 at batch 1 on
the 2-core Xeon of docs/results/SPEED.md, with the same labels (tests/models/test_runtime.py
bounds the difference), so it is the default on the CPU. The ONNX file is exported once per
parser file and kept in the cache folder (`cache_dir()`), keyed by the parser file's contents:
later runs load it directly.

A parser file may come with an int8 copy beside it (`NAME.int8.onnx`, made by `faceparse
export NAME.safetensors --int8 --calibration PHOTOS`; the shipped default has one). On a CPU
with an int8 dot-product instruction (`cpu.INT8_DOT_FLAGS`) "auto" runs that copy: for the
shipped parser it is faster with the same scores (docs/guide/MODELS.md, "int8 on the CPU").
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, ModelFileError, UnknownNameError
from .cpu import has_int8_dot_product
from .files import ParserCard
from .onnx import OPSET, export_onnx, onnx_session

BACKENDS = ("auto", "onnx", "onnx-int8", "torch")


def resolve_device(spec: str | torch.device = "auto") -> torch.device:
    """ "auto" (the GPU when there is one), "cpu", "cuda" or "cuda:N" -> a torch device."""
    if str(spec) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except RuntimeError:
        raise ConfigError(f"device is auto, cpu or cuda[:N], got {spec!r}") from None
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device is auto, cpu or cuda[:N], got {spec!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {spec!r}: no CUDA device on this machine")
    return device


def model_device(model: nn.Module) -> torch.device:
    """Where a network's weights are (the CPU for one without any); inputs go there."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


def resolve_backend(backend: str, device: torch.device, int8_copy_found: bool = False) -> str:
    """ "auto": on the CPU the parser file's int8 copy where there is one (`int8_copy`) and
    the CPU has an int8 dot product, else onnxruntime fp32; torch on a GPU."""
    if backend == "auto":
        if device.type != "cpu":
            return "torch"
        return "onnx-int8" if int8_copy_found and has_int8_dot_product() else "onnx"
    if backend.startswith("onnx") and device.type != "cpu":
        raise ConfigError(f"the {backend} backend runs on the CPU; use --backend torch on a GPU")
    return backend


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def int8_copy(source: Path) -> Path | None:
    """`NAME.int8.onnx` beside parser file `NAME.safetensors`, if its description
    (`NAME.int8.onnx.json`) says it was made from this very file; None otherwise, so that a
    copy left from an earlier version of the parser is never run in its place."""
    path = source.with_suffix(".int8.onnx")
    meta = Path(f"{path}.json")
    if not (path.is_file() and meta.is_file()):
        return None
    try:
        made_from = json.loads(meta.read_text())["source_sha256"]
    except (ValueError, KeyError, TypeError) as e:
        raise ModelFileError(f"{meta}: not an int8 copy's description ({e!r})") from None
    return path if made_from == file_digest(source) else None


# N×C×S×S float32 inputs -> N×K×h×w logits on the network's output grid (`inference_network`;
# h = S/4 for the student parsers); `parsing.crop_scores.probabilities` takes them to S×S.
Runner = Callable[[np.ndarray], np.ndarray]


def set_threads(threads: int) -> None:
    """Threads torch and OpenCV use in this process (onnxruntime sessions take theirs when
    made). One per process is the default of the CLI and the server: on a busy machine, extra
    threads per process spin against each other (issue #17 measured 3.7× slower runs)."""
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def cache_dir() -> Path:
    """$FACEPARSE_CACHE_DIR, else $XDG_CACHE_HOME/faceparse (~/.cache/faceparse); the system's
    temporary folder where that cannot be written (a read-only home)."""
    explicit = os.environ.get("FACEPARSE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faceparse"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.gettempdir()) / "faceparse-cache"


class _CoarseLogits(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.coarse_logits(x)


def inference_network(net: nn.Module) -> nn.Module:
    """What inference runs and exports of a parser: its logits before the upsampling to the
    input's size where it can give them (`coarse_logits`), else its logits."""
    return _CoarseLogits(net) if hasattr(net, "coarse_logits") else net


def cached_onnx(net: nn.Module, card: ParserCard, source: Path) -> Path:
    """The ONNX export of `net` (dynamic batch and size), made once per source file."""
    digest = file_digest(source)[:16]
    # "coarse": the graph ends at `inference_network`'s logits (files from before ended at
    # logits upsampled to the input's size, and before that had a fixed size).
    name = f"{card.modality}-{card.arch}-{digest}-opset{OPSET}-coarse.onnx"
    path = cache_dir() / "onnx" / name
    if not path.is_file():
        channels = 3 if card.modality == "rgb" else 1
        meta = {"label_space": card.space, "source": str(source)}
        export_onnx(inference_network(net), path, channels, card.size, meta)
    return path


def parser_runner(
    net: nn.Module,
    card: ParserCard,
    source: Path,
    backend: str = "auto",
    threads: int | None = None,
    device: str | torch.device = "cpu",
) -> Runner:
    """A function from a normalised input batch to the network's logits (numpy, on the CPU;
    `Runner`); torch runs it on `device`."""
    if backend not in BACKENDS:
        raise UnknownNameError("backend", backend, BACKENDS)
    device = resolve_device(device)
    # Looked for only where it may run: finding it hashes the parser file.
    wanted = backend == "onnx-int8" or (backend == "auto" and device.type == "cpu")
    copy = int8_copy(source) if wanted else None
    backend = resolve_backend(backend, device, copy is not None)
    if backend.startswith("onnx"):
        onnx = cached_onnx(net, card, source) if backend == "onnx" else copy
        if onnx is None:
            raise ConfigError(
                f"{source}: no int8 copy made from this file beside it; make one with "
                f"`faceparse export {source} --int8 --calibration PHOTOS`"
            )
        session = onnx_session(onnx, threads)
        return lambda x: session.run(None, {"input": x})[0]
    net = inference_network(net.eval().to(device))

    def run(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return net(torch.from_numpy(x).to(model_device(net))).float().cpu().numpy()

    return run
