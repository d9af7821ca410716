"""`faceparse train` and `faceparse eval`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import track

from ..training.config import load_config
from .data import DATASET_HELP, SUBSETS_HELP, _options
from .options import DEVICE_HELP

console = Console(stderr=True)


def train_command(
    config: Path = typer.Argument(None, help="Training config (YAML); see configs/."),
    set_: list[str] = typer.Option(
        None, "--set", help="Override a config value, e.g. --set optim.steps=500 (repeatable)."
    ),
    resume: bool = typer.Option(False, help="Continue from OUT/last.pt exactly where it stopped."),
    force_resume: bool = typer.Option(
        False, help="Resume even with another batch size, input size, parser or data root."
    ),
    device: str = typer.Option(
        None, help="auto, cpu or cuda[:N]; overrides the config's device (default auto)."
    ),
) -> None:
    """Train parsers (modes rgb, depth, mutual, mutual-translate). Under `torchrun`, one process
    per GPU (or CPU process with gloo)."""
    from ..training.trainer import Trainer  # torch start-up only when training

    cfg = load_config(config, [*(set_ or []), *([f"device={device}"] if device else [])])
    trainer = Trainer(cfg, resume=resume or force_resume, force_resume=force_resume)
    summary = trainer.fit(
        progress=lambda it, n: track(it, total=n, description=f"train {cfg.mode}", console=console)
    )
    if trainer.dist.is_main:
        console.print(
            f"step {summary['step']}: loss {summary.get('loss', float('nan')):.4f}; "
            f"checkpoints and metrics.jsonl in {cfg.out}"
        )


def eval_command(
    checkpoint: str = typer.Argument(
        ..., help="A checkpoint from `faceparse train`; with --photos also a model name or file."
    ),
    dataset: str = typer.Option(..., "--dataset", "-d", help=DATASET_HELP),
    root: Path = typer.Option(..., "--root", help="Dataset root folder."),
    split: str = typer.Option("test", "--split", "-s"),
    modality: str = typer.Option("rgb", help="rgb, depth (real depth) or translated (RGB→depth)."),
    depth: Path = typer.Option(None, help="Depth folder (needed for depth; translated: errors)."),
    subsets: str = typer.Option(None, help=SUBSETS_HELP),
    out: Path = typer.Option(None, "--out", "-o", help="Folder for scores.md and scores.json."),
    device: str = typer.Option("auto", help=DEVICE_HELP),
    photos: bool = typer.Option(
        False,
        help="Score end to end as `faceparse parse` does (detection, views, paste-back) instead "
        "of on aligned crops; CHECKPOINT may then be a model name (default, lapa, landmarks).",
    ),
    detect: bool = typer.Option(True, help="--photos --no-detect: each photo is one face crop."),
) -> None:
    """Score a checkpoint's parser on a split: per-class F1, precision, recall, mean F1, mIoU,
    accuracy, fragmentation; for `translated` also the translator's depth L1/RMSE on the
    foreground. With --photos, the whole photo parser, on a model name or file too."""
    progress = lambda it: track(it, description="scoring", console=console)  # noqa: E731
    if photos:
        from ..jobs.scoring import evaluate_model

        if modality == "translated":
            raise typer.BadParameter("--photos scores rgb, or rgb with depth (--modality depth)")
        scored = evaluate_model(
            checkpoint,
            dataset,
            root,
            split,
            depth="sample" if modality == "depth" else None,
            detect=detect,
            out=out,
            progress=progress,
            depth_folder=depth,
            **_options(dataset, subsets, None),
        )
        print(scored.to_markdown())
        return
    from ..jobs.evaluate import evaluate_checkpoint

    report, _ = evaluate_checkpoint(
        checkpoint,
        dataset,
        root,
        split,
        modality,
        depth,
        out,
        progress=progress,
        device=device,
        **_options(dataset, subsets, None),
    )
    print(report)
