"""`faceparse labels`: print label spaces so nobody has to guess an order."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from ..labels import LABEL_SPACES, get_label_space


def labels_command(
    space: str = typer.Argument(None, help="A label space; all of them when omitted."),
) -> None:
    """Show the class order (id -> name) of one label space, or of all side by side."""
    console = Console()
    spaces = [get_label_space(space)] if space else list(LABEL_SPACES.values())
    table = Table(title="Label spaces (id -> class)")
    table.add_column("id", justify="right")
    for s in spaces:
        table.add_column(s.name)
    for i in range(max(s.num_classes for s in spaces)):
        cells = []
        for s in spaces:
            if i < s.num_classes:
                native = s.native_names[i] if s.native_names else s.classes[i]
                native = f" ({native})" if native != s.classes[i] else ""
                cells.append(s.classes[i] + native)
            else:
                cells.append("")
        table.add_row(str(i), *cells)
    console.print(table)
    for s in spaces:
        console.print(f"[bold]{s.name}[/]: {s.description}")
