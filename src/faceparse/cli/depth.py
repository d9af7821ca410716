"""`faceparse depth ...`: depth maps for face datasets and photos."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import track

from ..datasets import DATASETS

depth_app = typer.Typer(help="Depth maps from 3D face/head reconstruction.", no_args_is_help=True)
console = Console(stderr=True)


FIT_HELP = (
    "Landmarks the head is fitted to: mediapipe, robust (the distilled occlusion-resistant "
    "mesh) or fused (MediaPipe where the two agree, robust where they do not or MediaPipe "
    "finds no face). See docs/results/ROBUST_FIT.md."
)


def _config(
    backend,
    hair,
    normalization,
    mm_per_level,
    model_dir,
    hair_model,
    openings="closed",
    fit="mediapipe",
    fit_model=None,
):
    from ..depth import DepthConfig  # numba compiles on import: only when depth is made

    return DepthConfig(
        backend,
        fit,
        str(fit_model) if fit_model else None,
        hair,
        normalization,
        mm_per_level,
        str(model_dir) if model_dir else None,
        str(hair_model) if hair_model else None,
        openings=openings,
    )


@depth_app.command("make")
def make(
    dataset: str = typer.Option(..., "--dataset", "-d", help=f"One of {', '.join(DATASETS)}."),
    root: Path = typer.Option(..., "--root", help="Dataset root folder."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (depth/, lists, manifest)."),
    backend: str = typer.Option("head", help="face (MediaPipe mesh) or head (fitted ICT head)."),
    fit: str = typer.Option("mediapipe", help=FIT_HELP),
    fit_model: Path = typer.Option(None, help="ONNX of the robust mesh (default: shipped)."),
    hair: str = typer.Option("none", help="none, or predicted (extend over predicted hair)."),
    split: list[str] = typer.Option(None, "--split", "-s", help="Split(s); default all."),
    workers: int = typer.Option(1, min=1, help="Parallel worker processes."),
    normalization: str = typer.Option("minmax", help="minmax (per image) or metric."),
    openings: str = typer.Option(
        "closed", help="Eyes and mouth: closed (smooth, as released RGB-D sets) or recessed."
    ),
    mm_per_level: float = typer.Option(1.0, help="Metric mode: millimetres per grey level."),
    model_dir: Path = typer.Option(None, help="Folder of model files ($FACEPARSE_MODEL_DIR)."),
    hair_model: Path = typer.Option(None, help="ONNX skin/clothes/hair segmenter."),
    subsets: str = typer.Option(None, help="FASSEG subsets, comma-separated."),
) -> None:
    """Render a depth map per image; resumable, records every failure in manifest.jsonl."""
    cfg = _config(
        backend, hair, normalization, mm_per_level, model_dir, hair_model, openings, fit, fit_model
    )
    opts = {"subsets": tuple(subsets.split(","))} if subsets else {}
    from ..jobs.depth import make_depth

    counts = make_depth(
        dataset,
        root,
        out,
        cfg,
        split or None,
        workers,
        progress=lambda it, n: track(it, total=n, description="depth", console=console),
        **opts,
    )
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"  -> {out}")


@depth_app.command("show")
def show(
    images: list[Path] = typer.Argument(..., help="Photos."),
    out: Path = typer.Option(Path("depth.png"), "--out", "-o"),
    backend: str = typer.Option("head"),
    fit: str = typer.Option("mediapipe", help=FIT_HELP),
    fit_model: Path = typer.Option(None, help="ONNX of the robust mesh (default: shipped)."),
    hair: str = typer.Option("none"),
    model_dir: Path = typer.Option(None),
) -> None:
    """Write RGB | depth | overlay side by side for each photo."""
    cfg = _config(backend, hair, "minmax", 1.0, model_dir, None, fit=fit, fit_model=fit_model)
    from ..jobs.depth import write_depth_montage

    skipped = write_depth_montage(images, out, cfg)
    for reason in skipped:
        console.print(f"[yellow]skipped[/] {reason}")
    console.print(f"wrote {out}")


@depth_app.command("import-ict")
def import_ict_command(
    release: Path = typer.Argument(..., help="ICT-FaceKit checkout or its FaceXModel folder."),
    out: Path = typer.Option(Path("ict_head_light.npz"), "--out", "-o", help="The .npz to write."),
) -> None:
    """Build the head-model file from the official ICT-FaceKit release (OBJ meshes + JSON)."""
    from ..depth.ict_import import import_ict

    written = import_ict(release, out)
    console.print(f"wrote {written}")
