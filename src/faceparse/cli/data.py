"""`faceparse data ...`: look at datasets before training on them."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, track
from rich.table import Table

from ..datasets import DATASETS, open_dataset
from ..datasets.check import CheckReport, check_dataset
from ..errors import UnknownNameError
from ..imageio import write_text_atomic

data_app = typer.Typer(help="Check and view datasets.", no_args_is_help=True)
console = Console(stderr=True)

DATASET_HELP = f"Dataset layout: {', '.join(DATASETS)}."
SUBSETS_HELP = "FASSEG subsets, comma-separated (V1, V2, V3). Default V2."
SPACE_HELP = "Label space of a 'folder' dataset's labels (see `faceparse labels`). Default lapa."


def _options(dataset: str, subsets: str | None, space: str | None) -> dict:
    if dataset not in DATASETS:
        raise UnknownNameError("dataset", dataset, DATASETS)
    opts: dict = {}
    if subsets:
        if dataset != "fasseg":
            raise typer.BadParameter("--subsets applies to fasseg only")
        opts["subsets"] = tuple(s.strip() for s in subsets.split(",") if s.strip())
    if space:
        if dataset != "folder":
            raise typer.BadParameter("--space applies to folder datasets only")
        opts["space"] = space
    return opts


def print_report(report: CheckReport, max_listed: int) -> None:
    table = Table(title=f"{report.dataset} at {report.root} (labels: {report.space})")
    for col in ("split", "samples", "ok", "problems"):
        table.add_column(col, justify="right" if col != "split" else "left")
    for s in report.splits:
        if s.index_error:
            table.add_row(s.split, "–", "–", f"[red]cannot index: {s.index_error}[/]")
        else:
            style = "green" if s.healthy else "red"
            table.add_row(s.split, str(s.count), str(s.ok), f"[{style}]{len(s.problems)}[/]")
    console.print(table)
    for s in report.splits:
        for p in s.problems[:max_listed]:
            console.print(f"  [red]{p.kind}[/] {s.split}/{p.name}: {p.path}: {p.reason}")
        if len(s.problems) > max_listed:
            console.print(
                f"  ... and {len(s.problems) - max_listed} more in {s.split} (see --json)"
            )
    if report.healthy:
        console.print("[green]No problems found.[/]")
    else:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.problem_counts().items()))
        console.print(f"[red]Problems found[/] ({counts or 'unindexable splits'}).")


@data_app.command("check")
def check(
    root: Path = typer.Argument(..., help="Dataset root folder."),
    dataset: str = typer.Option(..., "--dataset", "-d", help=DATASET_HELP),
    split: list[str] = typer.Option(None, "--split", "-s", help="Split(s) to check; default all."),
    depth: Path = typer.Option(None, "--depth", help="Depth folder (ROOT/depth/<name>.png)."),
    subsets: str = typer.Option(None, help=SUBSETS_HELP),
    space: str = typer.Option(None, help=SPACE_HELP),
    json_out: Path = typer.Option(None, "--json", help="Also write the full report as JSON."),
    max_listed: int = typer.Option(20, help="Problems listed per split on screen."),
) -> None:
    """Count samples per split and report missing/unreadable files, label ids outside the label
    space and image/label/depth size mismatches. Exits 1 when anything is wrong."""
    opts = _options(dataset, subsets, space)
    report = check_dataset(
        dataset,
        root,
        split or None,
        depth,
        progress=lambda it: track(it, description="checking", console=console, transient=True),
        **opts,
    )
    print_report(report, max_listed)
    if json_out:
        write_text_atomic(json_out, json.dumps(report.to_dict(), indent=2))
    raise typer.Exit(0 if report.healthy else 1)


@data_app.command("show")
def show(
    root: Path = typer.Argument(..., help="Dataset root folder."),
    dataset: str = typer.Option(..., "--dataset", "-d", help=DATASET_HELP),
    out: Path = typer.Option(Path("montage.png"), "--out", "-o", help="PNG to write."),
    split: str = typer.Option(None, "--split", "-s", help="Split; default the first one."),
    num: int = typer.Option(6, "--num", "-n", min=1, help="Samples to show."),
    seed: int = typer.Option(0, help="Which random samples."),
    depth: Path = typer.Option(None, "--depth", help="Depth folder (ROOT/depth/<name>.png)."),
    subsets: str = typer.Option(None, help=SUBSETS_HELP),
    space: str = typer.Option(None, help=SPACE_HELP),
) -> None:
    """Write a montage of random samples: RGB | labels | overlay | depth (when given)."""
    from ..jobs.montage import write_samples_montage

    opts = _options(dataset, subsets, space)
    split = split or DATASETS[dataset].check_splits(root)[0]
    ds = open_dataset(dataset, root, split, depth=depth, **opts)
    skipped = write_samples_montage(ds, out, num, seed)
    for msg in skipped:
        console.print(f"[yellow]skipped[/] {msg}")
    console.print(f"wrote {out}")


@data_app.command("demo")
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Folder to write."),
    count: int = typer.Option(12, min=2, help="Synthetic faces to make."),
    seed: int = typer.Option(0),
) -> None:
    """Make a small synthetic RGB-D face dataset (LaPa labels, folder layout), check it and write
    an overlay montage. Needs no data."""
    from ..jobs.montage import make_synthetic_demo

    report = make_synthetic_demo(out, count, seed)
    print_report(report, max_listed=10)
    console.print(f"dataset: {out / 'dataset'}\nmontage: {out / 'montage.png'}")
    raise typer.Exit(0 if report.healthy else 1)


@data_app.command("pseudo-label")
def pseudo_label(
    out: Path = typer.Option(..., "--out", "-o", help="Folder for crops, labels and lists."),
    teacher: Path = typer.Option(..., help="Skin/clothes/hair ONNX segmenter."),
    celeb1k: Path | None = typer.Option(None, help="Celeb1k root (train/, val/ with hair masks)."),
    fasseg: Path | None = typer.Option(None, help="FASSEG root; its train split joins training."),
    fasseg_subsets: str = typer.Option("V2,V3", help="FASSEG subsets for training."),
    size: int = typer.Option(256, help="Crop side in pixels."),
) -> None:
    """Aligned face crops with LaPa pseudo labels (face mesh + teacher, corrected by ground
    truth): the training data of the default parsers (docs/guide/MODELS.md). Resumes."""
    from itertools import chain

    from ..jobs.pseudo_labels import celeb1k_sources, fasseg_sources, make_training_crops

    if celeb1k is None and fasseg is None:
        raise typer.BadParameter("give --celeb1k, --fasseg or both")
    sources = []
    if celeb1k is not None:
        sources.append(celeb1k_sources(celeb1k))
    if fasseg is not None:
        subsets = tuple(s.strip() for s in fasseg_subsets.split(",") if s.strip())
        sources.append(fasseg_sources(fasseg, subsets))
    with Progress(console=console) as bar:
        task = bar.add_task("crops", total=None)
        counts = make_training_crops(
            chain(*sources), out, teacher, size, progress=lambda: bar.advance(task)
        )
    console.print(f"{out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@data_app.command("celebamask-labels")
def celebamask_labels(
    data: Path = typer.Argument(..., help="Training data from `faceparse data pseudo-label`."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the 19-class copy."),
    teacher: Path = typer.Option(..., help="Skin/clothes/hair ONNX segmenter."),
    model_dir: Path | None = typer.Option(None, help="Folder with the ICT head files."),
) -> None:
    """The CelebAMask-HQ 19-class copy of LaPa training crops: ears and neck from the fitted ICT
    head, cloth from the teacher (docs/guide/MODELS.md). Resumes."""
    from ..jobs.celebamask_labels import make_celebamask_data

    with Progress(console=console) as bar:
        task = bar.add_task("crops", total=None)
        counts = make_celebamask_data(
            data, out, teacher, model_dir, progress=lambda: bar.advance(task)
        )
    console.print(f"{out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@data_app.command("self-label")
def self_label(
    data: Path = typer.Argument(..., help="Training data from `faceparse data pseudo-label`."),
    parser: Path = typer.Option(..., help="The trained parser (.safetensors or .pt)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the relabelled copy."),
    prior: float = typer.Option(0.5, min=0.0, max=1.0, help="Weight of the current labels."),
) -> None:
    """One self-training round: the face parts of the Celeb1k training crops relabelled by
    `parser` (with flip test-time augmentation), fused with their current labels as a prior;
    everything else is kept (docs/guide/MODELS.md)."""
    from ..jobs.self_labels import SelfLabelConfig
    from ..jobs.self_labels import self_label as run_self_label

    counts = run_self_label(data, parser, out, SelfLabelConfig(prior=prior))
    failed = counts.pop("failed")
    console.print(f"{out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for entry in failed:
        console.print(f"kept the labels of {entry['name']}: {entry['reason']}")
