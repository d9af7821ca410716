"""`faceparse parse`: label every face in photos and videos."""

from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ..imageio import DEFAULT_MAX_PIXELS
from ..parsing.catalog import models_help
from .options import Backend, Device, Threads, Workers

console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Inputs per second so far (rich's own speed columns count bytes)."""

    def render(self, task) -> Text:
        rate = task.completed / task.elapsed if task.elapsed and task.completed else None
        return Text(f"{rate:.1f}/s" if rate else "–/s")


def parse_command(
    inputs: list[str] = typer.Argument(..., help="Images, videos, folders or glob patterns."),
    out: Path = typer.Option(Path("parsed"), "--out", "-o", help="Output folder."),
    model: str = typer.Option(
        "default",
        help=f"{models_help()}, or a .safetensors / training checkpoint .pt file.",
    ),
    depth_model: Path | None = typer.Option(
        None, help="Depth parser (.safetensors/.pt) to use with --depth; default: the shipped one."
    ),
    teacher: Path | None = typer.Option(
        None, help="--model landmarks: skin/clothes/hair ONNX segmenter for hair and outer skin."
    ),
    space: str | None = typer.Option(
        None,
        help="Label space of the output (`faceparse labels`), e.g. celebamask-hq, lapa, helen or "
        "fasseg; default: the model's own.",
    ),
    detect: bool = typer.Option(True, help="--no-detect: inputs are already face crops."),
    depth: str | None = typer.Option(
        None, help="auto (render from the photo), a depth PNG, or a folder of <stem>.png."
    ),
    depth_fit: str = typer.Option(
        "mediapipe",
        help="--depth auto: landmarks the head is fitted to: mediapipe, robust or fused "
        "(better on occluded faces: docs/results/ROBUST_FIT.md).",
    ),
    masks: bool = typer.Option(False, help="Also write one PNG mask per class."),
    frames: bool = typer.Option(False, help="Videos: also write a label PNG per frame."),
    frame_step: int = typer.Option(1, min=1, help="Videos: parse every n-th frame."),
    max_side: int = typer.Option(2048, min=64, help="Parse larger photos at this longest side."),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        min=1,
        help="Refuse photos with more pixels than this, read from the file header before "
        "decoding (memory per photo grows with its pixels).",
    ),
    min_face: int = typer.Option(
        32, min=1, help="Faces narrower than this (px) are listed as too_small, not parsed."
    ),
    context: bool = typer.Option(
        True,
        help="--no-context: label only each face's crop, faster, even where the head goes on "
        "past it (hair, neck, the back of a turned head).",
    ),
    flip: bool = typer.Option(
        False,
        help="Also parse every face mirrored and average the two: a little more accurate, "
        "and more time a face (docs/results/MODELS.md).",
    ),
    input_size: int | None = typer.Option(
        None,
        min=32,
        help="Side (px) at which each face's crop is parsed; default: the parser's own "
        "(docs/results/INPUT_SIZE.md).",
    ),
    overwrite: bool = typer.Option(False, help="Redo inputs already parsed in --out."),
    backend: Backend = "auto",
    device: Device = "auto",
    threads: Threads = 1,
    workers: Workers = 1,
    engine: str = typer.Option(
        "local",
        help="local (this machine, --workers processes) or ray (Ray actors: "
        "pip install 'faceparse[ray]'; docs/guide/SCALE_OUT.md).",
    ),
    address: str | None = typer.Option(
        None,
        help="--engine ray: auto (join this machine's cluster), ray://HOST:10001, or "
        "none (start a local Ray).",
    ),
    actors: int = typer.Option(2, min=1, help="--engine ray: actors, one parser and CPU each."),
    batch_size: int = typer.Option(
        2, min=1, help="--engine ray: inputs queued on each actor at a time."
    ),
) -> None:
    """Detect every face, parse it and paste the labels back at full resolution. Writes per
    input <stem>.labels.png (class ids), <stem>.overlay.png and <stem>.json (faces, boxes,
    per-class areas); videos give <stem>.overlay.mp4. Inputs that fail are listed in
    report.json and the rest go on; a rerun skips what is done.

    Exit code: 0 when every input was parsed (with or without faces), 1 when none could be,
    3 when some failed (see report.json), 2 for a usage error."""
    from ..jobs.parse import ParseJobOptions, check_output_folder, run_parse_job
    from ..models.runtime import set_threads
    from ..parsing import FaceParser, ParseOptions

    check_output_folder(out)  # a one-line error now, not after the model loads
    set_threads(threads)
    options = ParseOptions(
        detect=detect,
        max_side=max_side,
        max_pixels=max_pixels,
        min_face_px=min_face,
        context_zoom=ParseOptions.context_zoom if context else 1.0,
        flip=flip,
        input_size=input_size,
        depth_fit=depth_fit,
    )
    make_parser = functools.partial(
        FaceParser.load,
        model,
        depth_model,
        teacher,
        backend,
        threads,
        device,
        options=options,
        space=space,
    )
    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"{engine!r}: choose local or ray", param_hint="--engine")
    run_engine = None
    if engine == "ray":
        from ..integrations.ray import RayEngine

        run_engine = RayEngine(address, actors, batch_size)
    parser = make_parser() if workers == 1 and run_engine is None else make_parser
    job = ParseJobOptions(out, masks, depth, frames, frame_step, overwrite)
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("parse", total=None)

        def step(name: str) -> None:
            bar.update(task, advance=1, description=name[:40])

        try:
            report = run_parse_job(
                parser,
                inputs,
                job,
                progress=step,
                workers=workers,
                on_total=lambda n: bar.update(task, total=n or None),
                engine=run_engine,
            )
        except KeyboardInterrupt:
            report = json.loads((out / "report.json").read_text())
            console.print(
                f"[red]interrupted[/]: {len(report['inputs'])} input(s) reported, "
                f"{len(report.get('not_done', []))} not done, in {out / 'report.json'}; "
                "run again to resume"
            )
            raise typer.Exit(report["exit_code"]) from None
    for entry in report["inputs"]:
        if entry["status"] in ("failed", "no_face"):
            console.print(
                f"[yellow]{entry['status']}[/] {entry['input']}: {entry.get('reason', '')}"
            )
    print_summary(report, out, time.perf_counter() - started)
    raise typer.Exit(report["exit_code"])


def print_summary(report: dict, out: Path, seconds: float) -> None:
    """The closing table: inputs by status, time and time per input, where the outputs are."""
    counts, n = report["counts"], len(report["inputs"])
    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("ok", "no_face", "failed", "done_before", "time", "s/input", "outputs"):
        table.add_column(column, justify="left" if column == "outputs" else "right")
    table.add_row(
        *(str(counts.get(k, 0)) for k in ("ok", "no_face", "failed", "done_before")),
        f"{seconds:.1f} s",
        f"{seconds / max(n, 1):.2f}",
        f"{out} (report.json)",
    )
    console.print(table)
