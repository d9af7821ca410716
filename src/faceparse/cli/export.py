"""`faceparse export`: a checkpoint's network to ONNX (optionally int8)."""

from __future__ import annotations

from pathlib import Path

import cv2
import typer
from rich.console import Console

from ..datasets.synthetic import synthetic_dataset
from ..errors import DataError
from ..imageio import list_images, read_gray, read_rgb
from ..training.data import depth_tensor, rgb_tensor
from ..training.networks import load_trained

console = Console(stderr=True)
NETWORKS = ("rgb", "depth", "translator")


def calibration_batches(folder: Path | None, in_channels: int, size: int, count: int = 32):
    """Inputs for int8 calibration: photos (or depth maps) from `folder`, else generated faces.
    Unreadable files are reported and skipped."""
    if folder is not None:
        read = read_rgb if in_channels == 3 else read_gray
        arrays = []
        for path in list_images(folder)[:count]:
            try:
                arrays.append(read(path))
            except DataError as e:
                console.print(f"[yellow]skipped[/] {e}")
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


def export_command(
    checkpoint: Path = typer.Argument(..., help="A checkpoint from `faceparse train`."),
    onnx: Path | None = typer.Option(None, "--onnx", help="Output .onnx file (dynamic batch)."),
    safetensors: Path | None = typer.Option(
        None,
        "--safetensors",
        help="Output parser file (float16 weights + description), as FaceParser loads it.",
    ),
    network: str = typer.Option("rgb", "--model", help="rgb, depth (parsers) or translator."),
    int8: bool = typer.Option(False, "--int8", help="Also write OUT.int8.onnx (static int8)."),
    calibration: Path = typer.Option(
        None, help="Folder of photos (or depth maps) to calibrate int8; default: generated faces."
    ),
) -> None:
    """Export one network of a checkpoint to ONNX (with OUT.onnx.json describing its input)
    and/or a parser to a .safetensors file for FaceParser / `faceparse parse --model`."""
    from ..models.onnx import export_onnx, quantize_int8

    if network not in NETWORKS:
        raise typer.BadParameter(f"--model is one of {', '.join(NETWORKS)}")
    if onnx is None and safetensors is None:
        raise typer.BadParameter("give --onnx, --safetensors or both")
    if safetensors is not None and network == "translator":
        raise typer.BadParameter("--safetensors holds parsers (rgb or depth)")
    try:
        cfg, models, space = load_trained(checkpoint)
        if network not in models:
            raise ValueError(f"{checkpoint}: mode {cfg.mode} has no {network} network")
        in_channels = 1 if network == "depth" else 3
        meta = {
            "network": network,
            "arch": cfg.model.parser if network != "translator" else "unet-translator",
            "label_space": space if network != "translator" else None,
            "normalization": "imagenet mean/std on 0..255 RGB" if in_channels == 3 else "depth/255",
        }
        if safetensors is not None:
            from ..models.files import checkpoint_card, save_parser

            card = checkpoint_card(cfg, network, space)
            console.print(f"wrote {save_parser(models[network], card, safetensors)}")
        if onnx is None:
            return
        output = "depth" if network == "translator" else "logits"
        path = export_onnx(models[network], onnx, in_channels, cfg.data.size, meta, output)
        console.print(f"wrote {path}")
        if int8:
            q = quantize_int8(
                path,
                onnx.with_suffix(".int8.onnx"),
                calibration_batches(calibration, in_channels, cfg.data.size),
            )
            console.print(f"wrote {q}")
    except (ValueError, FileNotFoundError, DataError) as e:
        console.print(f"[red]error:[/] {e}")
        raise typer.Exit(1) from None
