"""The `faceparse` command: a thin layer over the Python API."""

from __future__ import annotations

import typer

from .bench import bench_command
from .data import data_app
from .demo import demo_command
from .depth import depth_app
from .export import export_command
from .labels import labels_command
from .parse import parse_command
from .serve import serve_command
from .train import eval_command, train_command

app = typer.Typer(
    name="faceparse",
    help="Face parsing from RGB and depth.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")
app.add_typer(depth_app, name="depth")
app.command("parse")(parse_command)
app.command("demo")(demo_command)
app.command("serve")(serve_command)
app.command("labels")(labels_command)
app.command("train")(train_command)
app.command("eval")(eval_command)
app.command("export")(export_command)
app.command("bench")(bench_command)


def main() -> None:
    app()
