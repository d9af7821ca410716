"""Options several commands share, so they read and behave the same everywhere."""

from typing import Annotated

import typer

DEVICE_HELP = "auto (a GPU when there is one), cpu or cuda[:N]."
BACKEND_HELP = (
    "onnx (CPU; exported once, cached), onnx-int8 (the int8 copy beside the parser file), torch, "
    "or auto: onnx-int8 where there is a copy and the CPU has int8 dot products, else onnx, on "
    "the CPU; torch on a GPU."
)

Backend = Annotated[str, typer.Option(help=BACKEND_HELP)]
Device = Annotated[str, typer.Option(help=DEVICE_HELP)]
Threads = Annotated[int, typer.Option(min=1, help="Threads per process.")]
Workers = Annotated[
    int, typer.Option(min=1, help="Processes the work is spread over, each with --threads threads.")
]
