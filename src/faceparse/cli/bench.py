"""`faceparse bench`: inference speed, side by side, into docs/results/SPEED.md."""

from __future__ import annotations

import datetime
from pathlib import Path

import typer
from rich.console import Console

console = Console(stderr=True)
DEFAULT_NETWORKS = "bisenet-r18,student,student-lite0,translator"


def bench_command(
    networks: str = typer.Option(DEFAULT_NETWORKS, help="Comma-separated networks."),
    size: int = typer.Option(256, help="Input side."),
    repeats: int = typer.Option(10, help="Timed runs per cell (the median is reported)."),
    out: Path = typer.Option(None, "--out", "-o", help="Markdown file to (re)write."),
    device: str = typer.Option("cpu", help="Where the torch rows run: cpu or cuda[:N]."),
) -> None:
    """ms/image and images/s at batch 1 and 8 for each network × backend."""
    from ..jobs.reports import write_section
    from ..jobs.speed import bench, fastest_backends, machine_line, speed_table

    names = [n.strip() for n in networks.split(",") if n.strip()]
    rows = bench(names, size, repeats=repeats, device=device)
    table = f"{speed_table(rows)}\n\n{fastest_backends(rows)}"
    print(table)
    if out is not None:
        stamp = (
            f"Command: `faceparse bench --networks {networks} --size {size} --repeats {repeats} "
            f"-o {out}`. Machine: {machine_line()}. Date: {datetime.date.today()}. Input "
            f"{size}²; each cell is the median of {repeats} timed forward passes."
        )
        marker = "<!-- table written by faceparse bench -->"
        write_section(out, marker, f"{stamp}\n\n{table}", title="# Speed")
        console.print(f"wrote {out}")
