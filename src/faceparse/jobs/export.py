"""Export a checkpoint's network (`faceparse export`): to ONNX, optionally with a static-int8
copy calibrated on real photos, and a parser to a .safetensors file FaceParser loads; and a
parser file's int8 copy, which FaceParser runs in its place where that is faster."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..datasets.synthetic import synthetic_dataset
from ..errors import ConfigError, DataError
from ..imageio import list_images, read_gray, read_rgb
from ..models.files import checkpoint_networks, load_parser, save_parser
from ..models.onnx import export_onnx, quantize_int8
from ..models.preprocess import depth_tensor, rgb_tensor
from ..models.runtime import file_digest, inference_network

NETWORKS = ("rgb", "depth", "translator")


def calibration_batches(
    folder: Path | None,
    in_channels: int,
    size: int,
    count: int = 32,
    on_skip: Callable[[str], None] | None = None,
) -> list[np.ndarray]:
    """Inputs for int8 calibration: photos (or depth maps) from `folder`, else generated faces.
    Unreadable files are reported to `on_skip` and skipped."""
    if folder is not None:
        read = read_rgb if in_channels == 3 else read_gray
        arrays = []
        for path in list_images(folder)[:count]:
            try:
                arrays.append(read(path))
            except DataError as e:
                if on_skip is not None:
                    on_skip(str(e))
        if not arrays:
            raise DataError(folder, "missing", "no readable calibration images")
    else:
        faces = synthetic_dataset(count, seed=123, size=size)
        arrays = [f.image if in_channels == 3 else f.depth for f in faces]
    to_tensor = rgb_tensor if in_channels == 3 else depth_tensor
    return [
        to_tensor(cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA))[None].numpy()
        for a in arrays
    ]


def export_checkpoint(
    checkpoint: str | Path,
    network: str = "rgb",
    onnx: Path | None = None,
    safetensors: Path | None = None,
    int8: bool = False,
    calibration: Path | None = None,
    on_skip: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the requested files; returns their paths (ONNX files get a .json description)."""
    if network not in NETWORKS:
        raise ConfigError(f"--model is one of {', '.join(NETWORKS)}, got {network!r}")
    if onnx is None and safetensors is None:
        raise ConfigError("give --onnx, --safetensors or both")
    if safetensors is not None and network == "translator":
        raise ConfigError("--safetensors holds parsers (rgb or depth)")
    found = checkpoint_networks(checkpoint)
    model = found.network(network)
    written = []
    if safetensors is not None:
        written.append(save_parser(model, found.card(network), safetensors))
    if onnx is None:
        return written
    in_channels = 1 if network == "depth" else 3
    meta = {
        "network": network,
        "arch": found.arch if network != "translator" else "unet-translator",
        "label_space": found.space if network != "translator" else None,
        "normalization": "imagenet mean/std on 0..255 RGB" if in_channels == 3 else "depth/255",
    }
    output = "depth" if network == "translator" else "logits"
    written.append(export_onnx(model, onnx, in_channels, found.size, meta, output))
    if int8:
        batches = calibration_batches(calibration, in_channels, found.size, on_skip=on_skip)
        written.append(quantize_int8(onnx, onnx.with_suffix(".int8.onnx"), batches))
    return written


def int8_copy_of_parser(
    parser_file: str | Path,
    calibration: Path | None = None,
    on_skip: Callable[[str], None] | None = None,
) -> Path:
    """`NAME.int8.onnx` beside parser file `NAME.safetensors`, calibrated on the photos in
    `calibration` (generated faces without). Its description records the parser file's digest:
    that is how FaceParser knows the copy belongs to the file (`models.runtime.int8_copy`)."""
    source = Path(parser_file)
    net, card = load_parser(source)
    meta = {
        "network": card.modality,
        "arch": card.arch,
        "label_space": card.space,
        "source": source.name,
        "source_sha256": file_digest(source),
        "calibration": str(calibration) if calibration else "generated faces",
    }
    batches = calibration_batches(calibration, card.in_channels, card.size, on_skip=on_skip)
    with tempfile.TemporaryDirectory() as tmp:
        # The copy runs in the parser's place, so it ends where inference does.
        fp32 = export_onnx(
            inference_network(net), Path(tmp) / "fp32.onnx", card.in_channels, card.size, meta
        )
        return quantize_int8(fp32, source.with_suffix(".int8.onnx"), batches)
