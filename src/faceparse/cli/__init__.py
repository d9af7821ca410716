"""The `faceparse` command: a thin layer over the Python API.

Every error faceparse raises on purpose (`faceparse.errors.FaceparseError`) ends here as one
line and exit code 2; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import os

import typer
from typer.core import TyperGroup

from ..errors import FaceparseError
from .bench import bench_command
from .data import data_app
from .demo import demo_command
from .depth import depth_app
from .export import export_command
from .labels import labels_command
from .parse import parse_command
from .serve import serve_command
from .train import eval_command, train_command

EXIT_ERROR = 2  # a usage, config, data or model-file error: the message says which


class _Commands(TyperGroup):
    """The one place CLI errors are handled: every subcommand runs inside `invoke`."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except FaceparseError as e:
            if os.environ.get("FACEPARSE_DEBUG"):
                raise
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(EXIT_ERROR) from None


app = typer.Typer(
    cls=_Commands,
    name="faceparse",
    help="Face parsing from RGB and depth.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"faceparse {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", help="Keep the C++ log lines of MediaPipe and TFLite."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
) -> None:
    if verbose:
        os.environ["FACEPARSE_VERBOSE"] = "1"
    if debug:
        os.environ["FACEPARSE_DEBUG"] = "1"


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
