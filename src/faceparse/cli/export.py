"""`faceparse export`: a checkpoint's network to ONNX (optionally int8) or a parser file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)


def export_command(
    checkpoint: Path = typer.Argument(
        ...,
        help="A checkpoint from `faceparse train`, or a parser file (.safetensors) with --int8.",
    ),
    onnx: Path | None = typer.Option(
        None, "--onnx", help="Output .onnx file (dynamic batch and size)."
    ),
    safetensors: Path | None = typer.Option(
        None,
        "--safetensors",
        help="Output parser file (float16 weights + description), as FaceParser loads it.",
    ),
    network: str = typer.Option("rgb", "--model", help="rgb, depth (parsers) or translator."),
    int8: bool = typer.Option(
        False,
        "--int8",
        help="Also write OUT.int8.onnx (static int8); for a parser file NAME.safetensors, "
        "NAME.int8.onnx beside it, which --backend auto then runs on CPUs with int8 dot products.",
    ),
    calibration: Path = typer.Option(
        None, help="Folder of photos (or depth maps) to calibrate int8; default: generated faces."
    ),
) -> None:
    """Export one network of a checkpoint to ONNX (with OUT.onnx.json describing its input)
    and/or a parser to a .safetensors file for FaceParser / `faceparse parse --model`; or make a
    parser file's int8 copy (`faceparse export parser.safetensors --int8 --calibration DIR`)."""
    from ..errors import ConfigError
    from ..jobs.export import export_checkpoint, int8_copy_of_parser

    def skipped(reason: str) -> None:
        console.print(f"[yellow]skipped[/] {reason}")

    if checkpoint.suffix == ".safetensors":
        if not int8 or onnx is not None or safetensors is not None:
            raise ConfigError(f"{checkpoint}: from a parser file, export makes its int8 copy only")
        console.print(f"wrote {int8_copy_of_parser(checkpoint, calibration, skipped)}")
        return

    written = export_checkpoint(
        checkpoint,
        network,
        onnx,
        safetensors,
        int8,
        calibration,
        on_skip=skipped,
    )
    for path in written:
        console.print(f"wrote {path}")
