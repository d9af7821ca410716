"""`faceparse demo`: the shipped parser on a real photo that needs no download."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)


def demo_command(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Output folder."),
) -> None:
    """Parse scikit-image's `astronaut` photo (shipped inside scikit-image) with the default
    parser: writes astronaut.png, its labels, overlay and JSON summary to --out."""
    from skimage import data

    from ..imageio import write_png_atomic
    from ..jobs.parse import ParseJobOptions, run_parse_job
    from ..parsing import FaceParser

    photo = write_png_atomic(out / "astronaut.png", data.astronaut())
    report = run_parse_job(FaceParser.default(), [str(photo)], ParseJobOptions(out, overwrite=True))
    entry = report["inputs"][0]
    if entry["status"] != "ok":
        console.print(f"[red]{entry['status']}[/] {entry.get('reason', 'no face found')}")
        raise typer.Exit(1)
    console.print(
        f"wrote {out / 'astronaut.overlay.png'} (labels: astronaut.labels.png, "
        "summary: astronaut.json)"
    )
